;; repl
;; args: --max-heap 16m --max-depth 3000
;; stress: 100
; fed to the REPL on stdin: values are printed, errors reported on stderr,
; and the session goes on after each of them
(define (square x) (* x x))
(square 12)
"a string"
(list 1 2.5 #\a 'sym)
(define (fact n)
  (if (= n 0)
      1
      (* n (fact (- n 1)))))
(fact 10)
(car '())
(display "still here")
(newline)
(undefined-function 1 2)
(square 1 2)
(define (deep n) (+ 1 (deep n)))
(deep 0)
(define (hog l) (hog (cons (make-vector 100 0) l)))
(hog '())
(length (iota 1000))
(/ 10 0)
(+ 1 2) (+ 3 4)
(values 1 2)
)
(square 5)
(exit 0)
