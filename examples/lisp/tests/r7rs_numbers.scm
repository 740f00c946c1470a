; Numbers and c[ad]r compositions (R7RS 6.2.6, 6.4), the report's examples.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(call-with-values (lambda () (floor/ 5 2)) show)        ; 2 1
(call-with-values (lambda () (floor/ -5 2)) show)       ; -3 1
(call-with-values (lambda () (floor/ 5 -2)) show)       ; -3 -1
(call-with-values (lambda () (floor/ -5 -2)) show)      ; 2 -1
(call-with-values (lambda () (truncate/ 5 2)) show)     ; 2 1
(call-with-values (lambda () (truncate/ -5 2)) show)    ; -2 -1
(call-with-values (lambda () (truncate/ 5 -2)) show)    ; -2 1
(call-with-values (lambda () (truncate/ -5 -2)) show)   ; 2 -1
(show (floor-quotient 7 -2) (floor-remainder 7 -2) (truncate-quotient 7 -2) (truncate-remainder 7 -2))
(call-with-values (lambda () (exact-integer-sqrt 4)) show)   ; 2 0
(call-with-values (lambda () (exact-integer-sqrt 5)) show)   ; 2 1
(call-with-values (lambda () (exact-integer-sqrt 9223372036854775807)) show)
(show (exact-integer? 32) (exact-integer? 32.0) (exact-integer? 'a))   ; #t #f #f
(show (exact 2.0) (inexact 2) (exact 3.0) (exact -4.0))
(show (square 42) (square 2.0) (exact-rational? 3))
(show (numerator 6) (denominator 6))
(show (boolean=? #t #t) (boolean=? #f #t) (symbol=? 'a 'a 'a) (symbol=? 'a 'b))
(define t '(((1 2) 3 4) (5 6) 7 8 9))
(show (caar t) (cadr t) (cdar t) (cddr t))
(show (caaar t) (caadr t) (cadar t) (caddr t) (cdaar t) (cdadr t) (cddar t) (cdddr t))
; a full tree 4 deep whose leaves name the path taken from the root
(define (tree path n)
  (if (= n 0) path (cons (tree (string-append path "a") (- n 1)) (tree (string-append path "d") (- n 1)))))
(define d (tree "" 4))
(show (caaaar d) (cdaaar d) (cadaar d) (cddaar d) (caadar d) (cdadar d) (caddar d) (cdddar d))
(show (caaadr d) (cdaadr d) (cadadr d) (cddadr d) (caaddr d) (cdaddr d) (cadddr d) (cddddr d))
(show (guard (e (#t (error-object-message e))) (floor/ 1 0)))
(show (guard (e (#t (error-object-message e))) (exact-integer-sqrt -1)))
(show (guard (e (#t (error-object-message e))) (truncate/ -9223372036854775808 -1)))
(show (guard (e (#t (error-object-message e))) (cadddr '(1 2))))
