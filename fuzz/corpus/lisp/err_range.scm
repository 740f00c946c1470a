(define v (vector 1 2 3))
(display (vector-ref v 2))
(newline)
(vector-ref v 3)
