; Collections: binary trees built and thrown away, a long-lived one kept.
; Watch the heap map fill with spans and the timeline with pauses.
(define (make-tree depth)
  (if (= depth 0) (cons '() '())
      (cons (make-tree (- depth 1)) (make-tree (- depth 1)))))
(define (check-tree t)
  (if (null? (car t)) 1 (+ 1 (check-tree (car t)) (check-tree (cdr t)))))

(define long-lived (make-tree 14))
(let loop ((round 0) (nodes 0))
  (if (< round 200)
      (loop (+ round 1) (+ nodes (check-tree (make-tree 12))))
      (begin (display nodes) (display " nodes in 200 short-lived trees") (newline))))
(display "the long-lived tree still has ") (display (check-tree long-lived))
(display " nodes") (newline)
(display (cdr (assq 'collections (gc-stats)))) (display " collections so far") (newline)
