"""PURE: files that leave the service for people — tables as CSV and .xlsx, tracks as GPX and CSV,
charts as SVG. Plain values in, bytes or text out."""
