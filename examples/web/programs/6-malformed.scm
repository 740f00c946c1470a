; Malformed source: the reader reports where the list that never closes began.
(display "this line is fine") (newline)
(define (unfinished x)
  (if (> x 0) (unfinished (- x 1))
