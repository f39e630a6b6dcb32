"""One loader per kind of import: check the parsed rows, compare, write in bulk."""
