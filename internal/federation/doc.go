// Package federation exchanges objects with partner nodes (peers) over plain TAXII 2.1, so that
// a partner may run any TAXII server; between Entente nodes every exchange is signed.
//
// # Peers
//
// A peer is a partner organisation's TAXII API root with the token this node presents there,
// the peer's collections to pull, the peer's collection to push to, the local collection pulled
// objects go into and pushed objects come from, and optionally the peer node's pinned Ed25519
// public key and its organisation's STIX identity (store.Peer). `entente serve` runs Federation,
// which starts a worker per peer: a pull loop and a push loop. It re-reads the peer list every
// few seconds, so peers added or removed from the command line while the node runs are picked up.
//
// With several processes on one database, a lease row per peer (store.PeerStore.Lease) lets one
// process at a time run a peer's loops; a process that stops hands its leases back, and one that
// dies loses them after Options.Lease.
//
// # Pull
//
// A pull round pages each pull collection from a persisted cursor (the peer's
// X-TAXII-Date-Added-Last of the last stored page, given back as added_after) and stores every
// page through the ordinary ingest (validation, versions, policy facts), with provenance: via
// "federation", the peer's id, the evidence of the page's verified signature, and as origin the
// peer's organisation, or the partner the object's created_by_ref names (see Origins). The cursor
// moves only after its page is stored, so a crash or restart resumes with the page that was being
// stored, which comes back as duplicates. Rounds follow each other at MinPull while pages bring
// new objects and at intervals doubling up to MaxPull while they do not.
//
// # Push and the outbox
//
// The outbox is the objects table itself: per peer and local collection a push cursor holds the
// date_added of the last record handled. An object becomes receivable by a partner either by
// being stored (a new object or version: a new row, after the cursor) or by a change of the
// partner's sharing scope (an agreement set, removed, coming into or out of force, another
// partner's onward sharing). Because the row is the queue entry, "queued in the same transaction
// as it was stored" holds by construction, and nothing needs to be written twice. A push round
// asks the policy at sending time: it queries the records after the cursor restricted to the
// peer organisation's scope (policy.View.Restrict), delivers each in the form the decision names
// (View.Deliver), POSTs them in one envelope per batch, and moves the cursor after each accepted
// POST. A crash between the POST and the cursor write sends the batch again, which TAXII makes
// harmless (the same versions are duplicates). The cursor also keeps a fingerprint of the scope it
// was reached under; when the scope differs, the cursor starts from the beginning, so objects that
// just became receivable go out and the peer de-duplicates the rest. (A real outbox table filled
// in the Add transaction would have to be recomputed on every agreement change anyway, and would
// write every object twice.) Embargoes need no reset: a record the embargo holds back is never
// passed by the cursor. Naming a partner on an object's share list after it was stored (a RED
// object shared with `entente share`) is not a scope change either: a second cursor per peer
// (store.PushShared) follows the share list entries in the order they were made
// (ShareStore.SharedSince), and after each round of the main cursor the objects newly shared
// with the peer's organisation that the main cursor had already passed go out, through the same
// policy decision. A partner that only pulls from this node by added_after does not see such an
// object until its next version: its date_added does not change.
//
// Push rounds run when anything is added to the store (Federation polls a watermark, the highest
// date_added given out, every Options.Poll: one cheap query for all peers, which also sees objects
// other processes added), and every PushEvery. A failed round is retried after a wait doubling
// from MinBackoff to MaxBackoff with jitter; a POST answered 413 is retried in smaller batches.
// AMBER and above pushed to a peer are written to the audit log.
//
// # No echoes, no loops
//
// Nothing goes back to its origin: the policy's scope for a partner excludes objects whose origin
// is that partner (rule origin-echo), and the TAXII server's scope does the same for a partner
// that pulls. The origin of an object pulled from or pushed by peer P is P's organisation, unless
// its created_by_ref names the STIX identity of another known partner organisation Q (Q's
// IdentityID, or the IdentityID of one of Q's peers, given with `peer add --identity`): then it is
// Q's. So an object that A created and B forwarded to C is A's at C, and C never sends it to A.
// What remains in a ring or mesh are duplicates, and a duplicate changes nothing: the store adds
// no row, so no cursor moves and nothing is sent on; every object stops after one pass. The
// mapping never names the own organisation (what comes from outside cannot take on the own
// organisation's sharing), and its trust is the partner's: a partner could attribute its objects
// to another partner, which only moves them under that partner's onward-sharing terms.
//
// # Signatures
//
// Each node has an Ed25519 key, created on first use and kept in the database (setting
// KeySetting), so that every process serving one database signs as one node; `entente key
// show` prints its public key for partners to pin. Pushes are signed (RFC 9421 with
// Content-Digest, see taxii.Signer); the receiving TAXII server verifies them against the pinned
// key of the sender's peer and refuses, logs and reports (peer status, metrics) what is unsigned
// or badly signed when that peer requires signatures, and keeps the evidence in the provenance of
// what it stores. The TAXII server signs its responses, so pulled pages are verified the same way
// (a page with a bad signature is not stored) and their objects keep the evidence.
//
// # Status and metrics
//
// Every round is recorded per peer (store.PeerStatus: last success, last error, objects in and
// out, refusals, and since when each direction is behind; the lag is the time since then, 0 while
// it keeps up) and counted in Prometheus metrics labelled with the peer's name.
package federation
