(display "one")
(newline))
(display "two")
