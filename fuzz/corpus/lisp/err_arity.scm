(define (two a b) (+ a b))
(display "ok ")
(two 1)
