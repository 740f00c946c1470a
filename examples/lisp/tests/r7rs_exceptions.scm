; Exceptions (R7RS 4.2.7, 6.11), the report's examples and more.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(show (guard (condition ((assq 'a condition) => cdr) ((assq 'b condition)))
        (raise (list (cons 'a 42)))))                        ; 42
(show (guard (condition ((assq 'a condition) => cdr) ((assq 'b condition)))
        (raise (list (cons 'b 23)))))                        ; (b . 23)
(show (call-with-current-continuation
        (lambda (k)
          (with-exception-handler
            (lambda (e) (display "condition: ") (write e) (newline) (k 'exception))
            (lambda () (+ 1 (raise 'an-error)))))))         ; condition: an-error / exception
(show (with-exception-handler
        (lambda (con) (cond ((string? con) (display con)) (else (display "a warning has been issued"))) 42)
        (lambda () (+ (raise-continuable "should be a number") 23))))   ; should be a number65
(define (null-list? l)
  (cond ((pair? l) #f) ((null? l) #t)
        (else (error "null-list?: argument out of domain" l))))
(show (guard (e ((error-object? e) (list (error-object-message e) (error-object-irritants e))))
        (null-list? 5)))                                    ; ("null-list?: argument out of domain" (5))
; errors signalled by primitives are error objects too
(show (guard (e ((error-object? e) (error-object-message e))) (vector-ref (vector 1 2) 5)))
(show (guard (e ((error-object? e) (error-object-message e))) (undefined-variable)))
(show (guard (e ((string? e) 'string)) (+ 1 (guard (e2 ((number? e2) 'inner)) (raise "s")))))   ; re-raised outward
(show (guard (e (#t (list 'outer e))) (guard (e ((symbol? e) (raise (list 'wrapped e)))) (raise 'x))))
(show (with-exception-handler
        (lambda (e) (if (error-object? e) 0 e))
        (lambda () (+ 1 (raise-continuable 5)))))            ; 6
(show (call/cc (lambda (k) (with-exception-handler (lambda (e) (k (error-object-message e))) (lambda () (car '()))))))
; a handler that returns from a non-continuable raise: a secondary error, caught outside
(show (guard (e ((error-object? e) (error-object-message e)))
        (with-exception-handler (lambda (e) 'ignored) (lambda () (raise 'bad)))))
; the handler runs with the outer handlers installed
(show (call/cc (lambda (k)
        (with-exception-handler (lambda (e) (k (list 'outer e)))
          (lambda () (with-exception-handler (lambda (e) (raise (list 'inner e))) (lambda () (raise 'x))))))))
(show (error-object? 5) (error-object? (guard (e (#t e)) (error "m"))))
(show (file-error? (guard (e (#t e)) (open-input-file "/nonexistent/file"))))
(show (read-error? (guard (e (#t e)) (read (open-input-string ")")))))
(show (guard (e (#t 'caught)) (exit-not-caught-test)))
(display "uncaught: ") (newline)
(raise (list 1 "two" 'three))
