; A program error: (car 42) is reported as an error, with what ran before it.
(define (first-of x) (car x))
(display "about to fail") (newline)
(first-of 42)
(display "never printed") (newline)
