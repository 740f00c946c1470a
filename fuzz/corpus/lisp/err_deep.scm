;; stress: 10
;; args: --max-depth 5000
(define (depth n) (+ 1 (depth (+ n 1))))
(display "start")
(newline)
(depth 0)
