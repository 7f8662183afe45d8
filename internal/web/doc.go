// Package web is the node's browser interface: a bilingual (German and English) analyst
// workspace rendered on the server with html/template, its templates and stylesheet embedded.
//
// People sign in with a name and password (argon2id hashes, see HashPassword); a session lives
// in an HttpOnly, SameSite=Lax cookie (Secure over TLS) whose secret only the browser holds —
// the store keeps its SHA-256. Every state-changing request passes net/http's
// CrossOriginProtection, and every form of a signed-in page carries the session's anti-forgery
// token as well, so that a request forged from a same-site page is refused too.
//
// Everything shown goes through the sharing policy like any other read path: searches are
// store queries restricted by the viewer's policy.View, and each record is passed through
// View.Deliver before it is rendered. Everything written goes through internal/ingest.
package web
