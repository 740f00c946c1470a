; Bytevectors (R7RS 6.9), the report's examples.  They are pointer-free
; objects on the wgc heap (wgc_alloc_bytes).
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(show (make-bytevector 2 12) (make-bytevector 0) (bytevector 1 3 5 1 3 5) (bytevector))
(show (bytevector-u8-ref '#u8(1 1 2 3 5 8 13 21) 5))          ; 8
(show (let ((bv (bytevector 1 2 3 4))) (bytevector-u8-set! bv 1 3) bv))   ; #u8(1 3 3 4)
(show (bytevector-length (make-bytevector 1000 7)) (bytevector? #u8()) (bytevector? "a"))
(define a #u8(1 2 3 4 5))
(show (bytevector-copy a 2 4) (bytevector-copy a 3) (bytevector-copy a))   ; #u8(3 4) ...
(define b (bytevector 10 20 30 40 50))
(bytevector-copy! b 1 a 0 2)
(show b)                                                        ; #u8(10 1 2 40 50)
(show (bytevector-append #u8(0 1 2) #u8(3 4 5)))                ; #u8(0 1 2 3 4 5)
(show (utf8->string #u8(#x41)) (string->utf8 "λ") (utf8->string (string->utf8 "hello") 1 3))
(show (equal? #u8(1 2) (bytevector 1 2)) (eqv? #u8(1 2) #u8(1 2)) (equal? #u8(1) #u8(2)))
; many of them across collections: no pointers inside, nothing to trace
(define (fill n acc) (if (= n 0) acc (fill (- n 1) (cons (make-bytevector 100 (modulo n 256)) acc))))
(define lots (fill 3000 '()))
(collect-garbage)
(show (apply + (map (lambda (bv) (bytevector-u8-ref bv 99)) lots)))
(define (err thunk) (guard (e ((error-object? e) (error-object-message e))) (thunk)))
(show (err (lambda () (bytevector-u8-ref a 5))))
(show (err (lambda () (bytevector-u8-set! b 0 256))))
(show (err (lambda () (make-bytevector -1))))
(show (err (lambda () (make-bytevector 4294967297))))
(show (err (lambda () (bytevector-copy a 4 2))))
(show (err (lambda () (bytevector-copy! b 4 a))))
(show (err (lambda () (bytevector 1 'x))))
(show (err (lambda () (bytevector-length "abc"))))
