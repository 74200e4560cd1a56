#!/usr/bin/python3
"""Render a LAVA device dictionary (jinja2, extending lava-server's device-type templates) into the
device configuration lava-run reads, with the job's context as variables, as a LAVA server does.

  render_device.py --templates DIR [--templates DIR] --job JOB.yaml DICT.jinja2 OUT.yaml

Run with Debian's /usr/bin/python3 (python3-jinja2, python3-yaml, which lava-dispatcher brings).
"""

import argparse
import sys
from pathlib import Path


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--templates", action="append", required=True,
                        help="template directory (lava-server's device-types); repeatable")
    parser.add_argument("--job", required=True, help="job definition whose context is rendered in")
    parser.add_argument("dictionary", help="device dictionary (.jinja2)")
    parser.add_argument("out", help="rendered device configuration (.yaml)")
    args = parser.parse_args(argv)
    try:
        import jinja2
        import yaml
    except ImportError as err:
        print(f"render_device: {err} (install python3-jinja2 and python3-yaml)", file=sys.stderr)
        return 2
    try:
        job = yaml.safe_load(Path(args.job).read_text())
        context = (job or {}).get("context") or {}
        dictionary = Path(args.dictionary)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(dictionary.parent)] + args.templates),
                                 autoescape=False, trim_blocks=True, undefined=jinja2.Undefined)
        text = env.get_template(dictionary.name).render(**context)
        device = yaml.safe_load(text)
        if not isinstance(device, dict) or "actions" not in device:
            print(f"render_device: {dictionary} did not render to a device configuration", file=sys.stderr)
            return 1
        Path(args.out).write_text(text)
    except (OSError, yaml.YAMLError, jinja2.TemplateError) as err:
        print(f"render_device: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
