; define-record-type (R7RS 5.5), with the report's example.
(define-record-type <pare>
  (kons x y)
  pare?
  (x kar set-kar!)
  (y kdr))
(display (pare? (kons 1 2))) (newline)          ; #t
(display (pare? (cons 1 2))) (newline)          ; #f
(display (kar (kons 1 2))) (newline)            ; 1
(display (kdr (kons 1 2))) (newline)            ; 2
(display (let ((k (kons 1 2))) (set-kar! k 3) (kar k))) (newline)   ; 3
; constructor fields in another order, a field with no constructor argument
(define-record-type node (make-node right left) node? (left node-left) (right node-right) (mark node-mark set-node-mark!))
(define n (make-node 'r 'l))
(display (list (node-left n) (node-right n) (node-mark n))) (newline)
(set-node-mark! n #t)
(display (node-mark n)) (newline)
(write n) (newline)
(display (procedure? kons)) (newline)
; records survive collections and are distinct types
(define (build k acc) (if (= k 0) acc (build (- k 1) (cons (kons k (make-node k acc)) acc))))
(define lots (build 2000 '()))
(collect-garbage)
(display (apply + (map kar lots))) (newline)
(display (map pare? (list (kons 1 2) n 5 "x"))) (newline)
; a wrong record is a Scheme error, catchable
(display (guard (e ((error-object? e) (error-object-message e))) (kar n))) (newline)
(display (guard (e ((error-object? e) (error-object-message e))) (kons 1))) (newline)
