; The length is checked as an int64 before any conversion to size_t:
; on wasm32, 4294967299 used to become 3.
(display (vector-length (make-vector 3 0)))
(newline)
(make-vector 4294967299 0)
