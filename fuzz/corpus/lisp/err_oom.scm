;; stress: 1000
;; args: --max-heap 8m
(define (grow l) (grow (cons (make-vector 10 l) l)))
(display "growing")
(newline)
(grow (list))
