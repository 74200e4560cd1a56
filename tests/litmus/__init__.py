"""The litmus translator (translate.py) and its unit tests; a package so unittest discover finds them."""
