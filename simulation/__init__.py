"""The synthetic store of `preorder simulate` (README, "The simulator")."""
