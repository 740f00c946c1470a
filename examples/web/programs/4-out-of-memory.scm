; Keeps everything it allocates: the heap reaches its limit (the "max heap"
; above) and the program stops with the Scheme error "out of memory".
(let grow ((kept '()) (n 0))
  (grow (cons (make-vector 1000 n) kept) (+ n 1)))
