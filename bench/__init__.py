"""`make bench`: each benchmark prints ratios against a baseline measured in the same run."""
