(display (car (cdr (list 1))))
