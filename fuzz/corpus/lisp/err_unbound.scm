(display "before")
(newline)
(display (+ 1 undefined-thing))
(display "not reached")
