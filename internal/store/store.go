// Package store defines the storage interfaces of an Entente node and the types that cross
// them. Each backend (internal/sqlite, internal/postgres) implements them with its own SQL; the
// suite in storetest is run against every backend so that they behave the same.
//
// The interfaces are small and per aggregate. Every method takes a context first. Errors are
// wrapped; callers test them with errors.Is against ErrNotFound, ErrConflict and ErrInvalid.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/entente/entente/internal/stix"
)

// Sentinel errors every backend returns (wrapped) so that callers can tell cases apart.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict") // a unique name or id is already taken
	ErrInvalid  = errors.New("invalid")  // an argument the store cannot accept
)

// Store is an opened backend: all aggregates of one node's database.
type Store interface {
	Objects() ObjectStore
	Collections() CollectionStore
	Orgs() OrgStore
	Tokens() TokenStore
	Settings() SettingStore
	Agreements() AgreementStore
	Shares() ShareStore
	Audit() AuditStore
	Peers() PeerStore
	Users() UserStore
	// Search returns the full-text index of the web interface (see SearchStore).
	Search() SearchStore
	StatusStore
	// Close releases the database. It is safe to call once.
	Close() error
}

// Provenance records where an object version came from.
type Provenance struct {
	OrgID      string    // organisation that supplied it (the own org for local authoring)
	Via        string    // path it arrived by: "import", "taxii", "federation", "ui", "api", "misp", "csaf"
	Peer       string    // peer id when it came by federation
	ReceivedAt time.Time // when this node took it in
	Signature  string    // evidence of a verified signature, if any (federation)
}

// NewObject is one validated object version to add to a collection, with the facts the sharing
// policy computed for it (see policy.Facts), kept as columns so that queries can filter by them.
type NewObject struct {
	Object *stix.Object
	TLP    stix.TLP // effective TLP as computed by the caller (policy); 0 is stored as unknown
	Origin Provenance
	// Personal is the personal data class (policy.PersonalClass: 0 none, 1 embedded, 2 integral).
	Personal uint8
	// GranularRequired and GranularOptional are policy.Levels bitmasks: the TLP levels of granular
	// markings stricter than the object's TLP on parts redaction cannot and can remove.
	GranularRequired uint8
	GranularOptional uint8
	// Shares are RED recipients (organisation or identity ids) named in the object itself; they
	// are added to the object's share list (ShareStore) in the same transaction.
	Shares []string
}

// Outcome is what happened to one object given to ObjectStore.Add.
type Outcome uint8

// Outcomes of Add.
const (
	Accepted  Outcome = iota + 1 // a new version was stored
	Duplicate                    // this id and version were already in the collection; nothing changed
)

func (o Outcome) String() string {
	switch o {
	case Accepted:
		return "accepted"
	case Duplicate:
		return "duplicate"
	}
	return "unknown"
}

// Record is one stored object version in one collection.
type Record struct {
	Collection  string
	ID          string
	Type        string
	SpecVersion string
	Version     int64  // microseconds since the epoch: modified, or created, or 0
	VersionText string // the version as written in the object
	DateAdded   int64  // microseconds since the epoch; strictly increasing within a collection
	TLP         stix.TLP
	Revoked     bool
	Origin      Provenance
	Labels      []string
	// Personal, GranularRequired and GranularOptional are as given in NewObject.
	Personal         uint8
	GranularRequired uint8
	GranularOptional uint8
	Raw              []byte // the object's JSON; nil when the query asked for metadata only
}

// VersionMatch selects versions of each object, as TAXII's match[version] does. The zero value
// means Last.
type VersionMatch struct {
	All   bool
	First bool
	Last  bool
	At    []int64 // specific versions, in microseconds
}

// IsZero reports whether no version selection was made (which means Last).
func (v VersionMatch) IsZero() bool { return !v.All && !v.First && !v.Last && len(v.At) == 0 }

// Filter selects object versions of one collection, in ascending date_added order.
type Filter struct {
	Collection   string   // collection id; required
	AddedAfter   int64    // exclusive lower bound on DateAdded; 0 for none
	AddedBefore  int64    // exclusive upper bound on DateAdded; 0 for none
	IDs          []string // any of these ids
	Types        []string // any of these types
	Versions     VersionMatch
	SpecVersions []string // any of these spec versions; empty means every object's latest
	Limit        int      // at most this many records; must be > 0
	MetadataOnly bool     // leave Record.Raw nil (manifests)
	// Lean asks only for what delivering a record needs: its id, type, date added, origin
	// organisation, policy facts (TLP, labels, personal data, granular levels) and raw JSON. A
	// store may then leave SpecVersion, Version, VersionText, Revoked and the rest of Origin
	// zero, which spares it reading them for every record of a page (TAXII objects, export).
	Lean bool
	// Scope, when not nil, restricts the records to what one recipient may receive under the
	// sharing policy. It is applied in the query itself, never after it, so that paging is exact.
	Scope *Scope
}

// Scope is the sharing policy's description of everything one recipient may receive
// (policy.Scope in store terms); see the policy package for its meaning. A backend admits a
// record exactly when policy.Scope.Admits would admit its facts:
//
//	Nothing                    → no record
//	origin <> ExcludeOrigin    (when ExcludeOrigin is set)
//	and one of
//	  origin = Own and (tlp in OwnLevels or (tlp in NamedLevels and the object's share list
//	                    names one of Named))
//	  origin in Onward and tlp in OnwardLevels
//	  origin is neither Own nor in Onward (or empty) and tlp in OtherLevels
//	and GranularRequired has no level outside the levels of the branch that matched
//	and type in Types (when set) and type not in ExcludeTypes
//	and one of the labels in Labels (when set) and none in ExcludeLabels
//	and date_added <= AddedBy (when AddedBy is not 0)
//	and personal <= PersonalMax
//
// Levels are bitmasks with bit t set for TLP value t (1 clear … 5 red) and bit 7 for unknown
// (stored TLP 0 or 255); LevelTLPs lists the stored values a mask admits.
type Scope struct {
	Nothing bool

	Own         string
	OwnLevels   uint8
	NamedLevels uint8
	Named       []string

	Onward       []string
	OnwardLevels uint8
	OtherLevels  uint8

	ExcludeOrigin string

	Types, ExcludeTypes, Labels, ExcludeLabels []string

	AddedBy     int64 // microseconds; 0 for no embargo
	PersonalMax uint8
}

// UnknownLevel is the bit of a Levels mask that stands for an unknown TLP.
const UnknownLevel uint8 = 1 << 7

// LevelTLPs returns the stored TLP values a levels mask admits (for "tlp IN (…)").
func LevelTLPs(levels uint8) []int {
	var out []int
	for t := stix.TLPClear; t <= stix.TLPRed; t++ {
		if levels&(1<<t) != 0 {
			out = append(out, int(t))
		}
	}
	if levels&UnknownLevel != 0 {
		out = append(out, 0, int(stix.TLPUnknown))
	}
	return out
}

// Page is one page of records.
type Page struct {
	Records []Record
	More    bool // more records match after the last one
}

// ObjectStore keeps object versions per collection.
type ObjectStore interface {
	// Add stores the objects in collection, in order, in one transaction, assigning each accepted
	// version a date_added greater than any before it in that collection. It returns one outcome
	// per object. Either all accepted objects are stored or, with an error, none are.
	// Errors: ErrNotFound when the collection does not exist, ErrInvalid for an entry without an
	// object.
	Add(ctx context.Context, collection string, objs []NewObject) ([]Outcome, error)

	// Query returns a page of records matching f, ascending by DateAdded. A page holds at most
	// min(f.Limit, MaxLimit) records; More tells whether more match after it.
	// Errors: ErrInvalid for a filter without collection or limit (see CheckFilter), ErrNotFound
	// when the collection does not exist.
	Query(ctx context.Context, f Filter) (Page, error)

	// Latest returns the newest version of the object with this id in any collection the caller
	// names (all collections when none are named). Errors: ErrNotFound.
	Latest(ctx context.Context, id string, collections ...string) (Record, error)

	// Delete removes the selected versions of an object from a collection and returns how many
	// versions were removed. Errors: ErrNotFound when the collection does not exist.
	Delete(ctx context.Context, collection, id string, v VersionMatch) (int, error)

	// Count returns how many object versions a collection holds. Errors: ErrNotFound when the
	// collection does not exist.
	Count(ctx context.Context, collection string) (int64, error)

	// SetFacts overwrites the policy columns (TLP, Personal, GranularRequired, GranularOptional)
	// of versions of a collection, each named by its DateAdded, in one transaction; a version
	// deleted meanwhile is skipped. It brings facts computed under an earlier policy
	// configuration up to date (policy.Recompute). Errors: ErrNotFound when the collection does
	// not exist.
	SetFacts(ctx context.Context, collection string, facts []StoredFacts) error
}

// StoredFacts are the policy columns of one stored version, named by its DateAdded; the values
// are as NewObject gives them (TLP as NewObject.StoredTLP stores it).
type StoredFacts struct {
	DateAdded        int64
	TLP              stix.TLP
	Personal         uint8
	GranularRequired uint8
	GranularOptional uint8
}

// Collection is a TAXII collection.
type Collection struct {
	ID          string // UUID
	Alias       string // optional unique short name
	Title       string
	Description string
	MediaTypes  []string
	// Read and Write list organisation ids with access beyond the own organisation.
	Read      []string
	Write     []string
	CreatedAt time.Time
}

// CollectionStore keeps collections.
type CollectionStore interface {
	// Create stores c; c.ID is generated when empty. Errors: ErrConflict for a taken id or alias.
	Create(ctx context.Context, c Collection) (Collection, error)
	// Get finds a collection by id or alias. Errors: ErrNotFound.
	Get(ctx context.Context, idOrAlias string) (Collection, error)
	// List returns all collections ordered by creation.
	List(ctx context.Context) ([]Collection, error)
	// Update replaces the title, description, alias and access lists. Errors: ErrNotFound, ErrConflict.
	Update(ctx context.Context, c Collection) error
}

// Org is an organisation: the node's own or a partner.
type Org struct {
	ID         string // UUID
	Name       string // unique
	Country    string // ISO 3166-1 alpha-2, optional
	Contact    string // e-mail or other contact, optional
	IdentityID string // the organisation's STIX identity id
	Self       bool   // the node's own organisation; exactly one
	CreatedAt  time.Time
}

// OrgStore keeps organisations.
type OrgStore interface {
	// Create stores o; o.ID is generated when empty. Errors: ErrConflict (name or id taken, or a
	// second Self).
	Create(ctx context.Context, o Org) (Org, error)
	// Get finds an organisation by id or by its unique name. Errors: ErrNotFound.
	Get(ctx context.Context, idOrName string) (Org, error)
	// Self returns the own organisation. Errors: ErrNotFound before first start.
	Self(ctx context.Context) (Org, error)
	// List returns all organisations, own first, then by name.
	List(ctx context.Context) ([]Org, error)
}

// Token is an API token. Only its hash is stored.
type Token struct {
	ID        string // UUID, shown in listings; not the secret
	Hash      []byte // SHA-256 of the secret
	OrgID     string
	Role      string // admin, analyst, reader, partner
	Label     string
	CreatedAt time.Time
	ExpiresAt time.Time // zero for no expiry
	RevokedAt time.Time // zero while valid
}

// TokenStore keeps API tokens.
type TokenStore interface {
	// Create stores t; t.ID is generated when empty. Errors: ErrConflict.
	Create(ctx context.Context, t Token) (Token, error)
	// ByHash finds a token by the hash of its secret, whether or not it is expired or revoked.
	// Errors: ErrNotFound.
	ByHash(ctx context.Context, hash []byte) (Token, error)
	// List returns the tokens of an organisation ("" for all).
	List(ctx context.Context, orgID string) ([]Token, error)
	// Revoke marks a token revoked at the given time. Errors: ErrNotFound.
	Revoke(ctx context.Context, id string, at time.Time) error
}

// SettingStore keeps small node-wide values (bootstrap state, keys' metadata).
type SettingStore interface {
	// Get returns the value of key. Errors: ErrNotFound.
	Get(ctx context.Context, key string) (string, error)
	// Set writes key.
	Set(ctx context.Context, key, value string) error
	// SetIfAbsent writes key unless it exists, and reports whether it wrote.
	SetIfAbsent(ctx context.Context, key, value string) (bool, error)
}

// StatusStore keeps TAXII status resources for at least a day after their creation.
type StatusStore interface {
	// PutStatus stores (or replaces) the status resource body for id, owned by orgID.
	PutStatus(ctx context.Context, id, orgID string, created time.Time, body []byte) error
	// Status returns the body and owner of a status resource. Errors: ErrNotFound.
	Status(ctx context.Context, id string) (body []byte, orgID string, err error)
	// PruneStatuses removes status resources created before the given time.
	PruneStatuses(ctx context.Context, before time.Time) (int, error)
}

// Agreement is a sharing agreement with a partner organisation, as stored. The policy package
// gives it meaning.
type Agreement struct {
	PartnerID     string
	MaxTLP        stix.TLP
	ValidFrom     time.Time // zero: in force from the start
	ValidUntil    time.Time // zero: open-ended; exclusive
	Types         []string
	ExcludeTypes  []string
	Labels        []string
	ExcludeLabels []string
	Embargo       time.Duration
	OnwardSharing string // "none" or "community"
	PersonalData  string // "redact", "deny" or "allow"
	UpdatedAt     time.Time
}

// AgreementStore keeps sharing agreements, one per partner.
type AgreementStore interface {
	// Put creates or replaces the agreement with a.PartnerID. Errors: ErrNotFound when the
	// partner organisation does not exist.
	Put(ctx context.Context, a Agreement) error
	// Get returns the agreement with a partner. Errors: ErrNotFound.
	Get(ctx context.Context, partnerID string) (Agreement, error)
	// List returns all agreements.
	List(ctx context.Context) ([]Agreement, error)
	// Remove deletes the agreement with a partner. Errors: ErrNotFound.
	Remove(ctx context.Context, partnerID string) error
}

// ShareStore keeps the per-object share lists: who may receive an object's RED content.
type ShareStore interface {
	// Add names recipients (organisation or identity ids) on the object with this id, in every
	// collection and version. Adding a recipient twice is harmless.
	Add(ctx context.Context, objectID string, recipients []string) error
	// List returns the recipients named for an object (none is not an error).
	List(ctx context.Context, objectID string) ([]string, error)
	// ListMany returns the recipients of several objects at once, in order, keyed by object id;
	// objects without recipients are absent. It is List for a page of records in one query.
	ListMany(ctx context.Context, objectIDs []string) (map[string][]string, error)
	// SharedSince returns, in the order they were made, up to limit entries that Add made after
	// the one numbered after (0: from the first) and that name one of recipients. Recipients an
	// object names itself when stored are not among them: the object goes out as it is stored.
	SharedSince(ctx context.Context, recipients []string, after int64, limit int) ([]Shared, error)
}

// Shared is an entry of a share list made by ShareStore.Add: the object, the recipient named and
// the entry's number, which grows in commit order.
type Shared struct {
	ObjectID  string
	Recipient string
	Seq       int64
}

// AuditEntry is one record of the tamper-evident audit log.
type AuditEntry struct {
	Seq      int64     // position in the log, from 1; assigned by the store
	Time     time.Time // when it happened
	Actor    string    // who: "org:ID token:ID", "cli", …
	Action   string    // what: "read", "agreement.set", "share", …
	Path     string    // through which path: "taxii", "api", "export", "federation", …
	Object   string    // the object id(s) or thing concerned
	Decision string    // the policy decision or outcome
	Detail   string    // anything else, as JSON or text
	PrevHash []byte    // Hash of the previous entry (empty for the first)
	Hash     []byte    // the entry's hash, computed by the seal function given to Append
}

// AuditHead is the setting that holds the Seq of the last entry appended to the audit log.
const AuditHead = "audit.head"

// AuditStore keeps the audit log, append-only.
type AuditStore interface {
	// Append adds e at the end of the log. Inside its transaction, and serialised with every
	// other Append (across processes), it reads the last entry's Seq and Hash, sets e.Seq and
	// e.PrevHash from them, and calls seal(&e) to compute e.Hash before storing e; in the same
	// transaction it records e.Seq as the setting AuditHead, so that entries cut off the end of
	// the log are detectable. It returns the stored entry.
	Append(ctx context.Context, e AuditEntry, seal func(e *AuditEntry)) (AuditEntry, error)
	// Scan calls fn for every entry from Seq after onwards, in order.
	Scan(ctx context.Context, after int64, fn func(AuditEntry) error) error
}

// Peer is a partner node this node exchanges with over TAXII 2.1: it pulls the peer's Pull
// collections into the local Collection, and pushes what the policy lets the peer's organisation
// receive from Collection to the peer's Push collection.
type Peer struct {
	ID         string   // UUID
	Name       string   // unique
	OrgID      string   // the partner organisation the peer belongs to
	URL        string   // the peer's TAXII API root
	Token      string   // the secret this node authenticates with at the peer (kept as given: it is sent)
	Pull       []string // collections (id or alias) on the peer to pull; none for no pull
	Push       string   // collection on the peer to push to; "" for no push
	Collection string   // local collection id: pulled objects go here, pushed ones come from here
	// PublicKey is the peer node's pinned Ed25519 public key (standard base64), "" when none.
	PublicKey string
	// RequireSignatures refuses anything from the peer that is not signed with PublicKey.
	RequireSignatures bool
	// IdentityID is the STIX identity of the peer's own organisation, "" when not known: objects
	// whose created_by_ref names it are recognised as the peer organisation's.
	IdentityID string
	CreatedAt  time.Time
}

// Directions of a peer's exchange, for cursors and status.
const (
	Pull = "pull"
	Push = "push"
	// PushShared is the cursor of the share list entries a push worker has handled
	// (ShareStore.SharedSince): its Position is an entry's number, not a date_added.
	PushShared = "push-shared"
)

// Cursor is how far one direction of a peer's exchange has come in one collection.
type Cursor struct {
	PeerID     string
	Direction  string // Pull or Push
	Collection string // the peer's collection (Pull) or the local collection id (Push)
	// Position is, for Pull, the peer's X-TAXII-Date-Added-Last of the last stored page; for
	// Push, the date_added of the last local record delivered or passed over. Microseconds.
	Position int64
	// State is what the position depends on besides the data (Push: the fingerprint of the
	// sharing scope it was reached under).
	State     string
	UpdatedAt time.Time
}

// PeerEvent is the outcome of one round of a peer's pull or push worker.
type PeerEvent struct {
	Direction string // Pull or Push; "" for an event of neither (a refused request)
	At        time.Time
	Err       string // "" for success
	In, Out   int64  // objects stored from the peer, objects delivered to it
	Rejected  int64  // objects or requests refused (bad signature, invalid object)
	CaughtUp  bool   // nothing is left to move in this direction
}

// PeerStatus is the recorded health of a peer's exchange.
type PeerStatus struct {
	PeerID      string
	LastSuccess time.Time
	LastError   string
	LastErrorAt time.Time
	// PullBehindSince and PushBehindSince are when the direction last stopped being caught up;
	// zero while it is.
	PullBehindSince, PushBehindSince time.Time
	ObjectsIn, ObjectsOut, Rejected  int64
	LeaseHolder                      string
	LeaseUntil                       time.Time
}

// PeerStore keeps peers, their cursors and their status.
type PeerStore interface {
	// Create stores p; p.ID is generated when empty. Errors: ErrInvalid (no name, URL or
	// organisation), ErrNotFound (unknown organisation), ErrConflict (name or id taken).
	Create(ctx context.Context, p Peer) (Peer, error)
	// Get finds a peer by id or unique name. Errors: ErrNotFound.
	Get(ctx context.Context, idOrName string) (Peer, error)
	// List returns all peers by name.
	List(ctx context.Context) ([]Peer, error)
	// Remove deletes a peer with its cursors and status. Errors: ErrNotFound.
	Remove(ctx context.Context, id string) error

	// Cursor returns a cursor. Errors: ErrNotFound when none was set.
	Cursor(ctx context.Context, peerID, direction, collection string) (Cursor, error)
	// SetCursor creates or replaces a cursor. Errors: ErrNotFound when the peer is gone.
	SetCursor(ctx context.Context, c Cursor) error

	// Record adds the outcome of a round to the peer's status. Errors: ErrNotFound when the
	// peer is gone.
	Record(ctx context.Context, peerID string, e PeerEvent) error
	// Status returns the recorded status (zero counts before the first round). Errors:
	// ErrNotFound when the peer does not exist.
	Status(ctx context.Context, peerID string) (PeerStatus, error)
	// Lease takes or renews the right to run the peer's workers until until, for holder, when no
	// other holder has it past now, and reports whether holder has it. Errors: ErrNotFound.
	Lease(ctx context.Context, peerID, holder string, now, until time.Time) (bool, error)

	// Watermark returns a number that changes whenever an object is added or a recipient is
	// named on one (ShareStore.Add): the highest date_added given out in any collection plus the
	// highest share list number. Workers wait for news with it without reading objects.
	Watermark(ctx context.Context) (int64, error)
}

// Apply adds the outcome of a round to s: counts, the last success or error, and when the
// direction fell behind (kept while it stays behind, cleared once it catches up).
func (s *PeerStatus) Apply(e PeerEvent) {
	at := Micro(e.At)
	if e.Err == "" {
		s.LastSuccess = at
	} else {
		s.LastError, s.LastErrorAt = e.Err, at
	}
	s.ObjectsIn += e.In
	s.ObjectsOut += e.Out
	s.Rejected += e.Rejected
	var behind *time.Time
	switch e.Direction {
	case Pull:
		behind = &s.PullBehindSince
	case Push:
		behind = &s.PushBehindSince
	default:
		return // an event of neither direction (a refused request) moves no lag
	}
	switch {
	case e.CaughtUp && e.Err == "":
		*behind = time.Time{}
	case behind.IsZero():
		*behind = at
	}
}

// CheckPeer returns an ErrInvalid error naming what a new peer lacks.
func CheckPeer(p Peer) error {
	switch {
	case p.Name == "":
		return fmt.Errorf("peer without a name: %w", ErrInvalid)
	case p.OrgID == "":
		return fmt.Errorf("peer %q without an organisation: %w", p.Name, ErrInvalid)
	case p.URL == "":
		return fmt.Errorf("peer %q without a URL: %w", p.Name, ErrInvalid)
	case p.RequireSignatures && p.PublicKey == "":
		return fmt.Errorf("peer %q requires signatures but has no public key: %w", p.Name, ErrInvalid)
	}
	return nil
}

// User is a person who signs in to the web interface, acting for an organisation with a role
// (the roles of tokens: admin, analyst, reader).
type User struct {
	ID           string // UUID
	Name         string // unique sign-in name
	OrgID        string
	Role         string
	PasswordHash string // encoded argon2id hash (see internal/web); never the password
	CreatedAt    time.Time
}

// Session is a signed-in browser session. Only the hash of its cookie's secret is stored.
type Session struct {
	Hash      []byte // SHA-256 of the cookie's secret
	UserID    string
	CSRF      string // the session's anti-forgery token, echoed by every form
	Lang      string // the language chosen in this session, "" for none
	CreatedAt time.Time
	ExpiresAt time.Time
}

// UserStore keeps users and their sessions.
type UserStore interface {
	// Create stores u; u.ID is generated when empty. Errors: ErrConflict for a taken name or id,
	// ErrInvalid for an empty name or password hash or an unknown organisation.
	Create(ctx context.Context, u User) (User, error)
	// Get finds a user by id or name. Errors: ErrNotFound.
	Get(ctx context.Context, idOrName string) (User, error)
	// List returns every user, by name.
	List(ctx context.Context) ([]User, error)
	// SetPassword replaces a user's password hash. Errors: ErrNotFound.
	SetPassword(ctx context.Context, id, hash string) error
	// CreateSession stores a session. Errors: ErrConflict for a taken hash, ErrInvalid for an
	// unknown user.
	CreateSession(ctx context.Context, s Session) error
	// Session finds a session by the hash of its secret, expired or not. Errors: ErrNotFound.
	Session(ctx context.Context, hash []byte) (Session, error)
	// DeleteSession removes a session; removing one that does not exist is not an error.
	DeleteSession(ctx context.Context, hash []byte) error
	// PruneSessions removes the sessions that expired before the given time and returns how many.
	PruneSessions(ctx context.Context, before time.Time) (int, error)

	// SignInFailed counts a failed sign-in against key (a name or an address) at time at, for
	// every process sharing the store: the count starts again at 1 when the key's last failure
	// is window or more before at. It returns the key's count.
	SignInFailed(ctx context.Context, key string, at time.Time, window time.Duration) (int, error)
	// SignInFailures returns key's count of failed sign-ins and the time of the last; 0 and the
	// zero time when it has none.
	SignInFailures(ctx context.Context, key string) (int, time.Time, error)
	// ClearSignInFailures forgets key's failed sign-ins.
	ClearSignInFailures(ctx context.Context, key string) error
	// PruneSignInFailures forgets the keys whose last failure is before the given time and
	// returns how many.
	PruneSignInFailures(ctx context.Context, before time.Time) (int, error)
}

// CheckUser returns an ErrInvalid error naming what a new user lacks.
func CheckUser(u User) error {
	switch {
	case u.Name == "":
		return fmt.Errorf("user: empty name: %w", ErrInvalid)
	case u.PasswordHash == "":
		return fmt.Errorf("user %q: empty password hash: %w", u.Name, ErrInvalid)
	case u.Role == "":
		return fmt.Errorf("user %q: empty role: %w", u.Name, ErrInvalid)
	}
	return nil
}
