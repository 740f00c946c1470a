(define (avg l) (/ (apply + l) (length l)))
(display (avg (list 1 2 3)))
(newline)
(display (avg (list)))
