"""Cross-district inspections (交叉互检): drawing who checks which shift, with no database (PURE)."""
