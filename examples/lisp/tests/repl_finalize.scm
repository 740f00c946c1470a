;; repl
; The REPL is a safe point for finalizers: after each entry, a guardian's
; queue holds what the last collection found.
(define g (make-guardian))
(define p (open-output-file "/dev/null"))
(g p)
(g (list 'x))
(set! p #f)
(collect-garbage)
(let ((a (g)) (b (g))) (list (or (port? a) (port? b)) (or (pair? a) (pair? b)) (g)))
(define t (make-hash-table eq? 'weak-keys))
(hash-table-set! t (list 1) 'gone)
(collect-garbage)
(hash-table-count t)
(run-finalizers)
