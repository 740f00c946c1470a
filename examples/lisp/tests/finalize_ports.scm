;; stress: 50
; File ports dropped unclosed are closed by their finalizer: 5000 output
; files opened and dropped must not use up the host's file descriptors.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(define file (string-append "/tmp/wgc-lisp-finalize-" (number->string (current-jiffy)) ".txt"))
; Descriptors are numbered from the lowest free one: fd N open means at
; least N+1 are open.  (Linux's /proc; elsewhere the check is skipped.)
(define proc? (file-exists? "/proc/self/fd"))
(define (fd-open? n) (if proc? (file-exists? (string-append "/proc/self/fd/" (number->string n))) #f))
; 1. dropped ports, collected as the loop goes
(define (open-and-drop i) (let ((p (open-output-file file))) (write i p) 'dropped))
(do ((i 0 (+ i 1))) ((= i 5000))
  (open-and-drop i)
  (if (= 0 (remainder i 500)) (begin (collect-garbage) (run-finalizers))))
(collect-garbage)
(run-finalizers)
(show 'loop-done (fd-open? 2000))
; 2. all 3000 dropped first, then one collection closes them all
(define (open-n n) (if (> n 0) (begin (open-and-drop n) (open-n (- n 1)))))
(show 'before (begin (open-n 3000) (fd-open? 2000)))   ; no safe point inside a form
(collect-garbage)
(show 'finalizers-ran (>= (run-finalizers) 0))
(show 'after (fd-open? 2000))
; 3. ports closed by hand have no finalizer left; a closed port written by
; its finalizer-run close leaves the data in the file
(define p (open-output-file file))
(display "closed by hand" p)
(close-port p)
(set! p #f)
(show (begin (collect-garbage) (run-finalizers)) (call-with-input-file file read-line))
(define q (open-output-file file))
(display "closed by the finalizer" q)
(set! q #f)
(collect-garbage)
(show (call-with-input-file file read-line))
(delete-file file)
(show (file-exists? file))
