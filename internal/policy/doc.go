// Package policy decides what leaves an Entente node: may recipient R receive object O, in what
// form, and why. Every read path (TAXII, the JSON API, exports, the UI, federation, open data)
// asks the same question through Decide, or lets the store answer it in its query through Scope,
// which admits exactly what Decide allows. The package is pure: no database, no HTTP, no clock
// (the caller passes "now").
//
// # Effective TLP of an object
//
// The level of an object is the most restrictive of its object-level markings
// (object_marking_refs). The marking-definition ids of all three families in circulation are
// understood: the STIX 2.1 built-in TLP 1.0 ids (WHITE reads as CLEAR), the OASIS TLP 2.0
// extension ids, and OpenCTI's AMBER+STRICT id. The order is CLEAR < GREEN < AMBER <
// AMBER+STRICT < RED < Unknown.
//
// Any other marking-definition id is unresolvable and makes the object Unknown, the most
// restrictive level of all, unless the node knows it as a statement marking (copyright, terms of
// use: Config.Statements, filled from stored marking definitions with definition_type
// "statement", see IsStatement). Statements say nothing about distribution and are ignored. A
// marking definition that claims a TLP level under a non-standard id is malformed (STIX requires
// the standard ids) and counts as Unknown too. An object carrying no TLP marking gets the
// configured default, AMBER+STRICT unless configured otherwise. The TLP marking definitions
// themselves are CLEAR.
//
// Unknown goes to nobody outside the own organisation, not even to recipients named on the
// object: whoever holds it must first give it a marking the node understands.
//
// # Recipients and the rules
//
//   - Self (the node, the own organisation as a whole): everything, as stored.
//   - Members of the own organisation: admins and analysts see everything as stored; readers see
//     up to AMBER+STRICT (RED and Unknown are withheld, rule role-insufficient), personal data
//     included. A member without a known role receives nothing.
//   - Public (anonymous readers, open data): CLEAR only, personal data redacted (tlp-not-clear,
//     tlp-unknown).
//   - Partners: by the rules below.
//
// A recipient of no known kind, a member without a known role and a partner without an
// organisation id (or with the own one) receive nothing (recipient-invalid).
//
// For a partner, these rules apply in this order; the first that withholds decides:
//
//  1. Nothing goes back to its origin, at any level (origin-echo).
//  2. Without an agreement in force (none, not yet valid, expired) a partner is treated as the
//     public: CLEAR only, personal data redacted (no-agreement, agreement-not-yet-valid,
//     agreement-expired). An agreement is in force from ValidFrom inclusive until ValidUntil
//     exclusive: at the very instant ValidUntil it has ended, and sharing stops by itself.
//  3. The level must be one the partner may see: CLEAR always; of the own organisation's
//     objects every level up to the agreement's MaxTLP (AMBER allows AMBER but not
//     AMBER+STRICT; AMBER+STRICT allows both), and RED only when the object names the partner;
//     of another partner's objects GREEN only, and only if that partner's agreement is in force
//     and allows onward sharing to the community, and this partner's MaxTLP reaches GREEN.
//     AMBER, AMBER+STRICT and RED of another organisation never go to a third party, named or
//     not. Objects of unknown origin count as another organisation's, without onward sharing
//     (tlp-unknown, tlp-red-not-named, onward-sharing-forbidden, tlp-above-agreement).
//  4. The agreement's content filters, at every level including CLEAR: Types (when set, the
//     type must be one of them), ExcludeTypes, Labels (when set, at least one of them must be
//     on the object), ExcludeLabels (none of them may be) (type-not-allowed, type-excluded,
//     label-missing, label-excluded).
//  5. Embargo: the object goes only once now >= date_added + Embargo; an object whose
//     date_added is unknown is under embargo (embargo).
//  6. Granular markings and personal data, as below (granular-withheld, personal-data-denied,
//     personal-data-withheld).
//
// An allowed decision names the rule that let it through: own-org, tlp-clear,
// tlp-green-agreement, tlp-green-onward (another partner's GREEN, passed on by its agreement),
// tlp-amber-agreement (AMBER and AMBER+STRICT), tlp-red-named.
//
// RED is shared with named recipients only, never by rule. An object names them by the per-object
// share list (entente share … --with, organisation ids) or by the custom property
// x_entente_recipients on the object itself, a list of organisation ids or STIX identity ids
// (RecipientsProperty). Being named does not replace the agreement: the named partner still needs
// one in force, and its content filters, embargo and personal data handling still apply; only
// MaxTLP, which never reaches RED, is set aside. Only the own organisation's objects are shared
// this way: a RED object from a partner stays with the own organisation.
//
// # Granular markings
//
// Granular markings restrict parts of an object further; a part's level is the stricter of the
// object's level and its granular TLP markings (a granular marking less restrictive than the
// object changes nothing). Granular marking references resolve like object-level ones (unknown
// ids are Unknown, statements and language markings restrict nothing). A part is visible to a
// recipient when the recipient could receive the object at the part's level (Decision.Visible).
// Parts that are not visible are removed (form redacted):
//
//   - A selector into a list removes the whole list property (so that no other selector's index
//     moves), and a selector into an extension removes that whole extension (whose definition
//     may require what would be removed); other nested selectors remove just the selected key.
//     Objects and lists left empty are removed too.
//   - Granular markings whose selectors all pointed at removed parts are removed; the rest stay,
//     so that what the recipient receives keeps its markings.
//   - When a selected part is a required property of the type (id, type, spec_version, created,
//     modified, and per type those the STIX 2.1 specification requires, for example an
//     indicator's pattern, a report's object_refs, a relationship's source_ref and target_ref;
//     properties that stand in for each other, such as a file's hashes and name, count as
//     required), removing it would break the object, and the object is withheld instead
//     (granular-withheld). A selector that cannot be understood (empty segment, bad index) marks
//     the whole object and withholds it likewise; a selector that selects nothing in the object
//     marks nothing.
//
// # Personal data
//
// Agreements choose redact (the default), deny or allow. The public and partners without an
// agreement in force get redact. Personal data as recognised here:
//
//   - e-mail-addr and user-account objects, and identity objects with identity_class
//     "individual": the object is personal data (class integral);
//   - references (properties ending in _ref or _refs) to email-addr or user-account objects:
//     their ids are derived from their values, so a recipient could confirm a guess;
//   - the authors property (notes and opinions list people's names there);
//   - e-mail addresses anywhere in string values, custom properties and nested values included
//     (ASCII forms: local part of letters, digits and ._%+-!#$&*?^~, a domain with a final label
//     of two letters or more).
//
// Personal names in free text (descriptions, file paths, certificate subjects other than their
// e-mail addresses) are not recognised: no rule finds them reliably. Operators who must exclude
// them use deny together with labels, or keep such objects at a level the partner does not get.
//
// Redact removes: the authors property; references to e-mail addresses and user accounts (a
// single reference property is removed; a top-level reference list loses those elements, and
// granular marking selectors into it are renumbered; a nested reference list is removed whole);
// and masks each e-mail address in a string as "[redacted e-mail]". When any of this would touch
// a required property (other than thinning a required reference list that keeps at least one
// element), the object is integral personal data and is withheld (personal-data-withheld); so is
// an object that is personal data itself. A change inside an extension that removes something
// removes the extension. With deny, an object holding any recognised personal data is withheld
// (personal-data-denied). ContainsPersonalData and ClassifyPersonal are cheap enough to run at
// ingest and keep as a column.
//
// # Form and bytes
//
// The full form is the stored JSON byte for byte. The redacted form keeps every member it does
// not remove or mask byte for byte, in its original order: custom properties, numbers (never
// decoded to floating point), escapes. Only masked strings are re-encoded.
//
// Left as they are: the ids of withheld individual identities in other objects' references
// (random ids, they reveal nothing); an element of a list nested below the top level that loses
// its only member stays as an empty object, because removing it would renumber selectors.
//
// # Queries
//
// "Filtering happens in the query, not after it": Scope turns the decision for one recipient at
// one moment into conditions on the columns a store keeps (the Facts of every object version).
// Scope.Admits is the reference implementation a store's SQL is tested against, and Decide and
// Scope.Admits agree on every input (a property test checks it).
//
// A store keeps per object version: the effective TLP (Unknown as 255), the origin
// organisation, the type, date_added, the personal data class (ClassifyPersonal: 0 none,
// 1 embedded, 2 integral), the granular level sets GranularOptional and GranularRequired as small
// integers (bit 1<<t for level t, 1<<6 for Unknown), the labels, and the shares: the per-object
// share list together with the entries of x_entente_recipients (FactsOf merges them). The
// effective TLP and the granular sets depend on Config (default level, known statements); when
// it changes, Config.Recompute rewrites the stored values, and the setting ConfigSetting records
// the Fingerprint they were computed under (the node reclassifies before it serves).
//
// The decision does not depend on the collection; which collections a recipient may read at all
// is the read path's business, before the policy is asked.
package policy
