;; stress: 1000
; no depth bound given: the C stack budget stops it
(define (depth n) (cons n (depth (+ n 1))))
(depth 0)
