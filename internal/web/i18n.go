package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Languages the interface speaks; the first is the default.
var languages = []string{"en", "de"}

// messages holds every string of the interface: key → English, German.
var messages = map[string][2]string{
	"app":           {"Entente", "Entente"},
	"skip":          {"Skip to content", "Zum Inhalt springen"},
	"nav.dashboard": {"Dashboard", "Übersicht"},
	"nav.search":    {"Search", "Suche"},

	"nav.partners":     {"Partners", "Partner"},
	"nav.import":       {"Import", "Import"},
	"nav.profile":      {"Profile", "Profil"},
	"nav.opendata":     {"Open data portal", "Open-Data-Portal"},
	"nav.main":         {"Main navigation", "Hauptnavigation"},
	"signout":          {"Sign out", "Abmelden"},
	"signin":           {"Sign in", "Anmelden"},
	"signin.title":     {"Sign in to Entente", "Bei Entente anmelden"},
	"signin.name":      {"User name", "Benutzername"},
	"signin.password":  {"Password", "Passwort"},
	"signin.failed":    {"The user name or the password is wrong.", "Benutzername oder Passwort ist falsch."},
	"signin.throttled": {"Too many failed sign-ins. Please wait 15 minutes and try again.", "Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie 15 Minuten und versuchen Sie es erneut."},
	"signin.expired":   {"Your session has ended. Please sign in again.", "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."},
	"lang.switch":      {"Language", "Sprache"},
	"lang.en":          {"English", "English"},
	"lang.de":          {"Deutsch", "Deutsch"},
	"signed_in_as":     {"Signed in as", "Angemeldet als"},

	"dash.title":         {"Dashboard", "Übersicht"},
	"dash.window":        {"Last 30 days", "Letzte 30 Tage"},
	"dash.by_type":       {"Arrivals by type", "Eingänge nach Typ"},
	"dash.by_tlp":        {"Arrivals by TLP", "Eingänge nach TLP"},
	"dash.versions":      {"Every new version of an object counts as an arrival: an object that arrived and was updated twice in these 30 days counts three times.", "Jede neue Version eines Objekts zählt als Eingang: Ein Objekt, das in diesen 30 Tagen eingegangen ist und zweimal aktualisiert wurde, zählt dreimal."},
	"dash.by_origin":     {"Arrived per partner of origin", "Eingang nach Herkunftspartner"},
	"dash.to_partner":    {"Available to each partner (from the collections it reads)", "Für jeden Partner freigegeben (aus den Sammlungen, die er liest)"},
	"dash.others":        {"others", "andere"},
	"dash.per_day":       {"Arrivals per day", "Eingänge pro Tag"},
	"dash.peers":         {"Sync health of peers", "Synchronisationsstatus der Peers"},
	"dash.peers_own":     {"Peers are shown to the own organisation's members.", "Peers sind nur für Mitglieder der eigenen Organisation sichtbar."},
	"partners.peers":     {"Peers (partner nodes)", "Peers (Partnerknoten)"},
	"peer.name":          {"Peer", "Peer"},
	"peer.state":         {"Status", "Status"},
	"peer.last_success":  {"Last successful sync", "Letzte erfolgreiche Synchronisation"},
	"peer.in_out":        {"Objects in / out", "Objekte empfangen / gesendet"},
	"peer.last_error":    {"Last error", "Letzter Fehler"},
	"peer.rejected":      {"rejected", "abgewiesen"},
	"peer.pull":          {"pull", "Abruf"},
	"peer.push":          {"push", "Versand"},
	"peer.behind_since":  {"behind since", "im Rückstand seit"},
	"peer.state.ok":      {"in sync", "synchron"},
	"peer.state.behind":  {"catching up", "holt auf"},
	"peer.state.failing": {"failing", "gestört"},
	"peer.state.new":     {"no sync yet", "noch nicht synchronisiert"},
	"dash.no_peers":      {"No peers are configured yet. Federation with partner nodes will show here.", "Noch keine Peers eingerichtet. Die Föderation mit Partnerknoten erscheint hier."},
	"dash.newest":        {"Newest reports and advisories", "Neueste Berichte und Warnmeldungen"},
	"dash.empty":         {"Nothing arrived in this period.", "In diesem Zeitraum ist nichts eingegangen."},
	"dash.building":      {"The counts are still being built after the start; they cover part of the period so far.", "Die Zählung wird nach dem Start noch aufgebaut; sie umfasst bisher nur einen Teil des Zeitraums."},
	"dash.partial":       {"Counts leave out what your agreement can only decide per object (labels, TLP:RED shared by name, the embargo's last day); they may be lower than what you receive.", "Die Zählung lässt aus, was Ihre Vereinbarung nur je Objekt entscheiden kann (Labels, namentlich geteiltes TLP:RED, der letzte Tag einer Sperrfrist); sie kann niedriger sein als das, was Sie erhalten."},
	"count":              {"Count", "Anzahl"},

	"search.title":      {"Search", "Suche"},
	"search.q":          {"Text or value (IP address, domain, hash, URL)", "Text oder Wert (IP-Adresse, Domain, Hash, URL)"},
	"search.type":       {"Type", "Typ"},
	"search.tlp":        {"TLP", "TLP"},
	"search.partner":    {"Partner of origin", "Herkunftspartner"},
	"search.from":       {"Added from", "Hinzugefügt ab"},
	"search.to":         {"Added until", "Hinzugefügt bis"},
	"search.collection": {"Collection", "Sammlung"},
	"search.any":        {"any", "alle"},
	"search.submit":     {"Search", "Suchen"},
	"search.none":       {"No objects match.", "Keine passenden Objekte."},
	"search.more":       {"Next page", "Nächste Seite"},
	"search.known":      {"This value is known", "Dieser Wert ist bekannt"},
	"search.unknown":    {"This value is not named by any indicator you may see.", "Kein für Sie sichtbarer Indikator nennt diesen Wert."},
	"search.value_kind": {"Recognised as", "Erkannt als"},
	"search.results":    {"Results", "Ergebnisse"},
	"search.scanned":    {"objects examined", "Objekte durchsucht"},
	"search.lag":        {"The text index is still catching up: the newest objects are not found by their text yet.", "Der Textindex holt noch auf: Die neuesten Objekte werden noch nicht über ihren Text gefunden."},
	"search.lag_until":  {"indexed up to", "indiziert bis"},
	"search.values_loading": {"The indicator index is still loading after the node's start: values are not looked up yet. Try again shortly.",
		"Der Indikatorindex wird nach dem Start des Knotens noch geladen: Werte werden noch nicht nachgeschlagen. Bitte gleich noch einmal versuchen."},

	"col.name":      {"Name", "Name"},
	"col.type":      {"Type", "Typ"},
	"col.tlp":       {"TLP", "TLP"},
	"col.origin":    {"Origin", "Herkunft"},
	"col.added":     {"Added", "Hinzugefügt"},
	"col.version":   {"Version", "Version"},
	"col.value":     {"Value", "Wert"},
	"col.indicator": {"Indicator", "Indikator"},

	"obj.properties":   {"Properties", "Eigenschaften"},
	"obj.versions":     {"Versions", "Versionen"},
	"obj.provenance":   {"Provenance", "Herkunft"},
	"obj.via":          {"Arrived via", "Eingang über"},
	"obj.received":     {"Received", "Empfangen"},
	"obj.supplier":     {"Supplied by", "Geliefert von"},
	"obj.explain":      {"Who receives it, and why", "Wer es erhält und warum"},
	"obj.recipient":    {"Recipient", "Empfänger"},
	"obj.receives":     {"Receives", "Erhält"},
	"obj.form":         {"Form", "Form"},
	"obj.reason":       {"Reason", "Begründung"},
	"obj.yes":          {"yes", "ja"},
	"obj.no":           {"no", "nein"},
	"obj.json":         {"STIX JSON", "STIX-JSON"},
	"obj.revoked":      {"Revoked", "Widerrufen"},
	"obj.share":        {"Share its RED content with", "RED-Inhalt teilen mit"},
	"obj.share_submit": {"Share", "Teilen"},
	"obj.shared_with":  {"Shared with", "Geteilt mit"},
	"obj.shared":       {"The share list was updated.", "Die Verteilerliste wurde aktualisiert."},
	"obj.no_partners":  {"There are no partner organisations yet.", "Es gibt noch keine Partnerorganisationen."},
	"obj.links_partial": {"The index of relationships is still catching up: relationships, sightings and mentions added most recently may be missing here.",
		"Der Index der Beziehungen holt noch auf: Zuletzt hinzugefügte Beziehungen, Sichtungen und Erwähnungen fehlen hier möglicherweise."},
	"obj.mentioned_in":  {"Mentioned in", "Erwähnt in"},
	"obj.sightings":     {"Sightings", "Sichtungen"},
	"obj.sighting":      {"Sighting", "Sichtung"},
	"obj.first_seen":    {"First seen", "Zuerst gesehen"},
	"obj.last_seen":     {"Last seen", "Zuletzt gesehen"},
	"obj.where":         {"Places", "Orte"},
	"obj.relationships": {"Relationships", "Beziehungen"},
	"obj.created":       {"The indicator was stored.", "Der Indikator wurde gespeichert."},

	"new.indicator":   {"New indicator", "Neuer Indikator"},
	"new.report":      {"New report", "Neuer Bericht"},
	"new.note":        {"New best-practice note", "Neue Best-Practice-Notiz"},
	"new.coa":         {"New course of action", "Neue Gegenmaßnahme"},
	"nav.new":         {"Create", "Erstellen"},
	"f.name":          {"Name", "Name"},
	"f.pattern":       {"STIX pattern", "STIX-Muster"},
	"f.description":   {"Description", "Beschreibung"},
	"f.abstract":      {"Summary", "Zusammenfassung"},
	"f.content":       {"Content", "Inhalt"},
	"f.object_refs":   {"Objects referred to", "Bezogene Objekte"},
	"f.refs_help":     {"STIX ids, one per line", "STIX-IDs, eine pro Zeile"},
	"f.markdown":      {"Markdown: **bold**, *italic*, `code`, lists, [links](https://…)", "Markdown: **fett**, *kursiv*, `Code`, Listen, [Links](https://…)"},
	"f.required":      {"required", "erforderlich"},
	"f.save":          {"Save", "Speichern"},
	"f.save_version":  {"Save as a new version", "Als neue Version speichern"},
	"obj.edit":        {"New version", "Neue Version"},
	"obj.revoke":      {"Revoke", "Widerrufen"},
	"ind.pattern_eg":  {"for example [ipv4-addr:value = '198.51.100.7']", "zum Beispiel [ipv4-addr:value = '198.51.100.7']"},
	"ind.tlp":         {"TLP", "TLP"},
	"ind.bad_pattern": {"The pattern is not valid:", "Das Muster ist ungültig:"},
	"ind.rejected":    {"The object was rejected:", "Das Objekt wurde abgelehnt:"},

	"partners.title":       {"Partners", "Partner"},
	"partners.orgs":        {"Organisations", "Organisationen"},
	"partners.country":     {"Country", "Land"},
	"partners.self":        {"own organisation", "eigene Organisation"},
	"partners.agreement":   {"Agreement", "Vereinbarung"},
	"partners.valid":       {"Valid", "Gültig"},
	"partners.from":        {"from", "ab"},
	"partners.until":       {"until", "bis"},
	"partners.open":        {"open-ended", "unbefristet"},
	"partners.in_force":    {"in force", "in Kraft"},
	"partners.not_force":   {"not in force", "nicht in Kraft"},
	"partners.none":        {"no agreement", "keine Vereinbarung"},
	"partners.max_tlp":     {"Highest TLP", "Höchste TLP"},
	"partners.add":         {"Add a partner organisation", "Partnerorganisation hinzufügen"},
	"partners.contact":     {"Contact", "Kontakt"},
	"partners.country_h":   {"two letters, e.g. FR", "zwei Buchstaben, z. B. FR"},
	"partners.bad_country": {"not a two-letter ISO 3166-1 code", "kein zweibuchstabiger ISO-3166-1-Code"},
	"partners.taken":       {"An organisation of this name exists already.", "Eine Organisation dieses Namens gibt es bereits."},
	"partners.set":         {"Set the agreement", "Vereinbarung festlegen"},
	"partners.save":        {"Save agreement", "Vereinbarung speichern"},
	"partners.add_submit":  {"Add", "Hinzufügen"},

	"import.title":    {"Import a STIX file", "STIX-Datei importieren"},
	"import.file":     {"STIX 2.1 bundle (JSON)", "STIX-2.1-Bundle (JSON)"},
	"import.submit":   {"Import", "Importieren"},
	"import.progress": {"Uploading and importing…", "Wird hochgeladen und importiert…"},
	"import.done":     {"Import finished", "Import abgeschlossen"},
	"import.accepted": {"accepted", "angenommen"},
	"import.dup":      {"already known", "bereits bekannt"},
	"import.rejected": {"rejected", "abgelehnt"},
	"import.no_file":  {"Choose a file to import.", "Wählen Sie eine Datei zum Import."},

	"profile.title":     {"Profile", "Profil"},
	"profile.org":       {"Organisation", "Organisation"},
	"profile.role":      {"Role", "Rolle"},
	"profile.tokens":    {"API tokens", "API-Token"},
	"profile.label":     {"Label", "Bezeichnung"},
	"profile.created":   {"Created", "Erstellt"},
	"profile.status":    {"Status", "Status"},
	"profile.revoked":   {"revoked", "widerrufen"},
	"profile.active":    {"active", "aktiv"},
	"profile.revoke":    {"Revoke", "Widerrufen"},
	"profile.new_token": {"Create a token", "Token erstellen"},
	"profile.secret":    {"Copy the token now; it is shown only this once:", "Kopieren Sie das Token jetzt; es wird nur dieses eine Mal angezeigt:"},
	"profile.no_tokens": {"No tokens yet.", "Noch keine Token."},

	"err.title":     {"Something went wrong", "Etwas ist schiefgegangen"},
	"err.notfound":  {"There is no such page or object, or you may not see it.", "Diese Seite oder dieses Objekt gibt es nicht, oder Sie dürfen es nicht sehen."},
	"err.forbidden": {"You may not do this.", "Das dürfen Sie nicht."},
	"err.csrf":      {"The form was refused because it did not come from this site. Please reload the page and try again.", "Das Formular wurde abgelehnt, weil es nicht von dieser Seite stammt. Bitte laden Sie die Seite neu und versuchen Sie es erneut."},
	"err.internal":  {"An internal error occurred. It has been logged.", "Ein interner Fehler ist aufgetreten. Er wurde protokolliert."},
	"err.invalid":   {"The request was not valid.", "Die Anfrage war ungültig."},
	"back":          {"Back to the dashboard", "Zurück zur Übersicht"},
}

// translate returns the message for key in lang; an unknown key shows as itself, so that a
// missing string is visible rather than blank.
func translate(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == "de" {
		return m[1]
	}
	return m[0]
}

// langCookie is the cookie that keeps a chosen language.
const langCookie = "entente_lang"

// chooseLang picks the language of a request: the cookie set by the switch, else the first
// language of Accept-Language the interface speaks (by quality), else English.
func chooseLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && known(c.Value) {
		return c.Value
	}
	best, bestQ := languages[0], -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if known(base) && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	return best
}

func known(lang string) bool { return lang == "en" || lang == "de" }

var monthsDE = [...]string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."}

// formatTime writes a time as people of the language expect it, in UTC.
func formatTime(lang string, t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.UTC()
	if lang == "de" {
		return t.Format("02.01.2006, 15:04") + " UTC"
	}
	return t.Format("2 Jan 2006, 15:04") + " UTC"
}

// formatDate writes a date alone.
func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.UTC()
	if lang == "de" {
		return t.Format("2.") + " " + monthsDE[t.Month()-1] + " " + t.Format("2006")
	}
	return t.Format("2 Jan 2006")
}

// formatNumber groups digits in thousands: 1,234,567 in English, 1.234.567 in German.
func formatNumber(lang string, n int64) string {
	sep := ","
	if lang == "de" {
		sep = "."
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
