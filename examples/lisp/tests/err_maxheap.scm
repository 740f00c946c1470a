;; args: --max-heap 99999999999g
; A heap limit beyond what the platform can address is refused with a
; message and status 2 (it used to be converted from double unchecked).
(display "never")
