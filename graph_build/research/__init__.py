"""Research features over the whole corpus: policy-instrument coding and similarity links between measures of different works."""
