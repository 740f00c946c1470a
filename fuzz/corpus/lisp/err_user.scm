(define (check x) (if (< x 0) (error "check: negative value:" x (list (quote at) x)) x))
(display (check 5))
(newline)
(check -3)
