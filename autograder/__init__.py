"""A sandboxed autograder for a course on generative models."""
