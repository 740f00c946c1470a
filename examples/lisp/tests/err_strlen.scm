; string-append sums the lengths in 64 bits: 16 strings of 2^28 bytes
; (2^32 in all) wrapped to 0 in wasm32's size_t and the copy trapped.
(define big (make-string 268435456 #\a))
(display (string-length big))
(newline)
(define (copies n) (if (= n 0) '() (cons big (copies (- n 1)))))
(display (string-length (apply string-append (copies 16))))
(newline)
