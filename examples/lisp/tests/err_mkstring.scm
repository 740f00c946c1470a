; The length is checked as an int64 before any conversion to size_t:
; on wasm32, 4294967297 used to become 1.
(display (string-length (make-string 3 #\a)))
(newline)
(make-string 4294967297 #\a)
