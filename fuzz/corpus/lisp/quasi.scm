; quasiquote
(define x 5)
(define l '(a b c))
(write `(x ,x ,@l end)) (newline)
(write `(1 ,@'() 2)) (newline)
(write `#(1 ,x ,@l)) (newline)
(write `(nested (deeper ,(* x 2)) . ,x)) (newline)
(write `(1 `(2 ,(3 ,x)))) (newline)
(write (let ((name 'foo) (args '(a b))) `(define (,name ,@args) (list ,@args)))) (newline)
