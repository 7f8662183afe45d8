package gen

import "github.com/entente/entente/internal/stix"

// kind is what a slot generates. A slot is one step of the generator; it writes one object,
// except an observed-data slot, which writes its observables first, and the own identity's slot,
// which writes nothing.
type kind uint8

const (
	kMarking kind = iota
	kIdentity
	kIndicator
	kRelationship
	kSighting
	kObserved
	kMalware
	kAttackPattern
	kVulnerability
	kThreatActor
	kIntrusionSet
	kCampaign
	kCourseOfAction
	kReport
	kNote
	kVersion // a new version of an earlier object
	numKinds
)

// kindType is the STIX type each kind writes.
var kindType = [numKinds]string{
	kMarking: "marking-definition", kIdentity: "identity", kIndicator: "indicator",
	kRelationship: "relationship", kSighting: "sighting", kObserved: "observed-data",
	kMalware: "malware", kAttackPattern: "attack-pattern", kVulnerability: "vulnerability",
	kThreatActor: "threat-actor", kIntrusionSet: "intrusion-set", kCampaign: "campaign",
	kCourseOfAction: "course-of-action", kReport: "report", kNote: "note",
}

// canVersion says which kinds get later versions. Identities and markings stay as they are;
// observed data is a record of what was seen.
var canVersion = [numKinds]bool{
	kIndicator: true, kRelationship: true, kSighting: true, kMalware: true, kAttackPattern: true,
	kVulnerability: true, kThreatActor: true, kIntrusionSet: true, kCampaign: true,
	kCourseOfAction: true, kReport: true, kNote: true,
}

// slotWeights are the chances, per 10 000 slots after the fixed prefix, of each kind. They are
// chosen so that the objects come out as: indicators 55 %, relationships 18 %, sightings 4 %,
// observed data 2 % with 5 % observables (2.5 per observed-data on average), malware 2.5 %,
// vulnerabilities 2.5 %, reports 2.5 %, attack patterns 2 %, notes 2 %, courses of action 1.5 %,
// threat actors, intrusion sets and campaigns 1 % each; 5 % of all objects are later versions,
// spread over the versioned types in proportion, which leaves these shares as they are.
var slotWeights = [numKinds]int{
	kIndicator: 5478, kRelationship: 1793, kSighting: 398, kObserved: 211, kMalware: 249,
	kAttackPattern: 199, kVulnerability: 249, kThreatActor: 100, kIntrusionSet: 100,
	kCampaign: 100, kCourseOfAction: 149, kReport: 249, kNote: 199, kVersion: 526,
}

// kindTable maps a uniform draw in [0, 10000) to a kind.
var kindTable = func() (t [10000]kind) {
	n := 0
	for k, w := range slotWeights {
		for ; w > 0; w-- {
			t[n] = kind(k)
			n++
		}
	}
	if n != len(t) {
		panic("gen: slot weights must add up to 10000")
	}
	return t
}()

// The fixed prefix: the five TLP 2.0 marking definitions, the organisations, and a core of one or
// two objects of every kind that others refer to, so that a reference always finds a target.
var tlpSlots = [...]struct {
	id, name, level string
	tlp             stix.TLP
}{
	{stix.TLP2Clear, "TLP:CLEAR", "clear", stix.TLPClear},
	{stix.TLP2Green, "TLP:GREEN", "green", stix.TLPGreen},
	{stix.TLP2Amber, "TLP:AMBER", "amber", stix.TLPAmber},
	{stix.TLP2AmberStrict, "TLP:AMBER+STRICT", "amber+strict", stix.TLPAmberStrict},
	{stix.TLP2Red, "TLP:RED", "red", stix.TLPRed},
}

// tlpCreated is the creation time of the OASIS TLP 2.0 marking definitions (2022-10-01).
const tlpCreated = 1664582400000

const (
	ownSlot   = int64(len(tlpSlots)) // the first organisation; Options.OwnIdentity replaces it
	coreStart = ownSlot + int64(len(orgs))
)

var coreKinds = [...]kind{
	kThreatActor, kIntrusionSet, kCampaign, kMalware, kMalware, kAttackPattern, kAttackPattern,
	kVulnerability, kCourseOfAction, kIndicator, kIndicator, kObserved,
}

const bodyStart = coreStart + int64(len(coreKinds))

// coreSlots lists, per kind, the core slots of that kind: the fallback targets of references.
var coreSlots = func() (c [numKinds][]int64) {
	for n, k := range coreKinds {
		c[k] = append(c[k], coreStart+int64(n))
	}
	return c
}()

// kind returns what slot i generates; a pure function of the seed and i.
func (g *generator) kind(i int64) kind {
	switch {
	case i < int64(len(tlpSlots)):
		return kMarking
	case i < coreStart:
		return kIdentity
	case i < bodyStart:
		return coreKinds[i-coreStart]
	}
	return kindTable[mix64(g.kindKey^uint64(i))%10000]
}

// earlier picks a slot before i that generated kind want, drawing from g.r. It looks backwards
// from a random earlier slot and falls back to the core when the kind is rare and not near.
func (g *generator) earlier(i int64, want kind) int64 {
	if want == kIdentity {
		return g.org()
	}
	if i > bodyStart {
		j := coreStart + g.r.Int64N(i-coreStart)
		for n := 0; n < 512 && j >= coreStart; n++ {
			if g.kind(j) == want {
				return j
			}
			j--
		}
	}
	c := coreSlots[want]
	return c[g.r.IntN(len(c))]
}

// org picks an organisation, the node's own more often than each partner.
func (g *generator) org() int64 {
	if g.r.IntN(4) == 0 {
		return ownSlot
	}
	return ownSlot + 1 + g.r.Int64N(int64(len(orgs)-1))
}

// appendID appends the STIX id of the object of slot i.
func (g *generator) appendID(b []byte, i int64) []byte {
	k := g.kind(i)
	switch {
	case k == kMarking:
		return append(b, tlpSlots[i].id...)
	case i == ownSlot && g.opts.OwnIdentity != "":
		return append(b, g.opts.OwnIdentity...)
	}
	b = append(b, kindType[k]...)
	b = append(b, "--"...)
	return appendUUID4(b, mix64(g.idKey^uint64(i)), mix64(g.idKey2+uint64(i)))
}
