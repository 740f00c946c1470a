; An infinite loop that allocates: the page stays responsive (the
; interpreter runs in a Web Worker); press Stop to end it -- the worker
; is terminated and a fresh one started.
(define (forever n acc)
  (forever (+ n 1) (if (= 0 (modulo n 1000)) '() (cons n acc))))
(forever 0 '())
