; Large and small: vectors of many sizes (the big ones are large objects,
; more than 32 KiB), most dropped at once, one in ten kept for a while.
(define kept (make-vector 64 #f))
(let loop ((i 0))
  (when (< i 3000)
    (let ((v (make-vector (+ 1 (modulo (* i 7919) 6000)) i)))
      (when (= 0 (modulo i 10)) (vector-set! kept (modulo i 64) v)))
    (loop (+ i 1))))
(display "done: ") (display (vector-length (vector-ref kept 0))) (display " slots in the first kept vector")
(newline)
