; dynamic-wind, multiple values, case-lambda, parameters (R7RS 4.2.6,
; 4.3, 6.10), the report's examples where they fit escaping continuations.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(show (let ((path '()) (c #f))
        (let ((add (lambda (s) (set! path (cons s path)))))
          (dynamic-wind (lambda () (add 'connect))
                        (lambda () (add (call/cc (lambda (c0) (set! c c0) 'talk1))))
                        (lambda () (add 'disconnect)))
          (reverse path))))                     ; (connect talk1 disconnect)
(show (let ((path '()))
        (call/cc (lambda (k)
          (dynamic-wind (lambda () (set! path (cons 'before path)))
                        (lambda () (k 'out) (set! path (cons 'never path)))
                        (lambda () (set! path (cons 'after path))))))
        (reverse path)))                        ; (before after)
(show (let ((path '()))
        (guard (e (#t (reverse (cons e path))))
          (dynamic-wind (lambda () (set! path (cons 'in path)))
                        (lambda () (raise 'boom))
                        (lambda () (set! path (cons 'out path)))))))   ; (in out boom)
(show (let-values (((root rem) (exact-integer-sqrt 32))) (* root rem)))   ; 35
(show (let ((a 'a) (b 'b) (x 'x) (y 'y))
        (let*-values (((a b) (values x y)) ((x y) (values a b))) (list a b x y))))   ; (x y x y)
(show (let-values (((a . rest) (values 1 2 3)) (all (values 4 5))) (list a rest all)))
(define-values (x y) (exact-integer-sqrt 17))
(show (list x y))                               ; (4 1)
(show (let () (define-values (x y) (values 1 2)) (+ x y)))   ; 3
(define-values (first . others) (values 1 2 3))
(show first others)
(define range
  (case-lambda
    ((e) (range 0 e))
    ((b e) (do ((r '() (cons e r)) (e (- e 1) (- e 1))) ((< e b) r)))))
(show (range 3) (range 3 5))                    ; (0 1 2) (3 4)
(define plus (case-lambda (() 0) ((x) x) ((x y) (+ x y)) ((x y . z) (apply + x y z))))
(show (plus) (plus 1) (plus 1 2) (plus 1 2 3 4))
(show (guard (e (#t (error-object-message e))) (range 1 2 3)))
(define radix (make-parameter 10 (lambda (x) (if (and (exact-integer? x) (<= 2 x 16)) x (error "invalid radix")))))
(define (f n) (number->string n (radix)))
(show (f 12))                                   ; "12"
(show (parameterize ((radix 2)) (f 12)))        ; "1100"
(show (f 12))                                   ; "12"
(show (guard (e ((error-object? e) (error-object-message e))) (parameterize ((radix 0)) (f 12))))
(show (call/cc (lambda (k) (parameterize ((radix 16)) (k (radix))))) (radix))   ; 16 10
(define p (make-parameter 1))
(show (parameterize ((p 2)) (parameterize ((p 3)) (p))) (p))   ; 3 1
(show (guard (e (#t (radix))) (parameterize ((radix 8)) (raise 'x))))   ; 10
(import (scheme base) (scheme write))
(show 'after-import)
(show (force (delay-force (delay 5))) (force (make-promise 6)) (promise? (delay 1)))
