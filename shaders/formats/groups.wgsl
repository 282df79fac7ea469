// Scale group of entry k along K, for the group-scaled families (INT and the scaled formats). The host
// constant FMT_GROUP is the format's group size (0: one group per row). A constant divisor compiles to a
// shift or a multiply; the uniform FMT_meta.group_size would cost an integer division per lane, which
// on CPU-backed adapters is scalarised and was ~40% of the int4 GEMV's time (docs/kernels.md §6).
// When K < FMT_GROUP the layout's one group holds the whole row, and k / FMT_GROUP is 0 as it must be.
fn FMT_group_of(k: u32) -> u32 {
  if (FMT_GROUP == 0u) { return 0u; }
  return k / max(FMT_GROUP, 1u);
}
