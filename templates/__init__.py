"""Templates, stylesheets and label tables: data, not code. This file makes the folder the
package `booklet.templates` inside the wheel (setup.py), read with importlib.resources."""
