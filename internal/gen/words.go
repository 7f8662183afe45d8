package gen

// The vocabularies below are the STIX 2.1 open vocabularies (section 10) where one exists, and
// invented names otherwise. The organisations and actors are fictional.

// orgs are the organisations of the corpus; the first one is the node's own.
var orgs = [...]struct{ name, short, sector, constituency string }{
	{"National CERT of Nordmark", "CERT-NM", "government-national", "federal administration"},
	{"Federal Cyber Defence Centre of Ostria", "OCDC", "government-national", "federal administration and critical infrastructure"},
	{"Government CSIRT of Valdoria", "GOVCERT-VD", "government-national", "ministries and agencies"},
	{"CERT Meridia", "CERT-MR", "government-national", "national constituency"},
	{"Centre national de cybersécurité d’Arcadie", "CNC-AR", "government-national", "administrations publiques"},
	{"Landes-CERT Westmark", "LCERT-WM", "government-regional", "Landesverwaltung und Kommunen"},
	{"Borealia Health Sector CSIRT", "HCSIRT-BO", "healthcare", "hospitals and public health"},
	{"Energy ISAC of the Northern States", "E-ISAC-NS", "energy", "grid operators and utilities"},
}

var (
	adjectives = []string{"Silent", "Crimson", "Copper", "Iron", "Velvet", "Hollow", "Frozen", "Midnight",
		"Obsidian", "Scarlet", "Granite", "Pale", "Burning", "Shadow", "Winter", "Northern", "Golden",
		"Ashen", "Rusty", "Quiet", "Glass", "Brass", "Cobalt", "Emerald", "Foggy", "Lunar", "Salt", "Storm"}
	animals = []string{"Lynx", "Viper", "Falcon", "Badger", "Heron", "Jackal", "Kraken", "Marten", "Otter",
		"Raven", "Stoat", "Wolf", "Bear", "Hydra", "Mantis", "Owl", "Pike", "Scorpion", "Shrike", "Weasel"}
	nouns = []string{"Harbour", "Lantern", "Meridian", "Cascade", "Bastion", "Tundra", "Quarry", "Beacon",
		"Citadel", "Mirage", "Orchard", "Rampart", "Solstice", "Thicket", "Vortex", "Glacier"}
	malwarePrefixes = []string{"Krol", "Zan", "Vex", "Drak", "Mor", "Quin", "Sil", "Thar", "Bel", "Nok",
		"Gor", "Yar", "Fen", "Oru", "Pex", "Ral", "Tiv", "Ulm"}
	malwareSuffixes = []string{"Bot", "Loader", "RAT", "Stealer", "Locker", "Dropper", "Spy", "X", "Gate",
		"Worm", "Shell", "Door", "Crypt", "Wiper"}

	malwareTypes = []string{"backdoor", "bot", "downloader", "dropper", "keylogger", "ransomware",
		"remote-access-trojan", "spyware", "trojan", "webshell", "wiper", "worm", "rootkit", "exploit-kit"}
	malwareCapabilities = []string{"communicates-with-c2", "exfiltrates-data", "steals-authentication-credentials",
		"persists-after-system-reboot", "evades-av", "escalates-privileges", "installs-other-components",
		"fingerprints-host", "anti-sandbox", "compromises-data-availability", "accesses-remote-machines"}
	implementationLanguages = []string{"c", "c++", "c#", "go", "python", "powershell", "javascript", "visual-basic", "java"}
	processorArchitectures  = []string{"x86", "x86-64", "arm", "alpha"}

	threatActorTypes = []string{"nation-state", "crime-syndicate", "criminal", "hacker", "activist", "spy", "insider-disgruntled"}
	threatActorRoles = []string{"agent", "director", "infrastructure-operator", "malware-author", "sponsor"}
	sophistications  = []string{"intermediate", "advanced", "expert", "innovator", "strategic"}
	resourceLevels   = []string{"individual", "club", "team", "organization", "government"}
	motivations      = []string{"organizational-gain", "personal-gain", "ideology", "dominance", "notoriety", "coercion", "revenge"}
	goals            = []string{"Steal diplomatic correspondence", "Pre-position in energy networks",
		"Extort public administrations", "Harvest credentials of government staff",
		"Disrupt municipal services", "Collect intelligence on defence procurement"}

	indicatorTypesIP   = []string{"malicious-activity", "anonymization", "compromised", "anomalous-activity"}
	indicatorTypesHost = []string{"malicious-activity", "attribution", "compromised"}
	indicatorTypesFile = []string{"malicious-activity", "attribution", "unknown"}

	labelWords = []string{"c2", "phishing", "ransomware", "botnet", "scanning", "apt", "credential-harvesting",
		"malspam", "exploit-kit", "ddos", "loader", "infostealer", "ics", "supply-chain"}

	killChainLM = []string{"reconnaissance", "weaponization", "delivery", "exploitation", "installation",
		"command-and-control", "actions-on-objectives"}

	reportTypes = []string{"threat-report", "indicator", "malware", "threat-actor", "campaign",
		"attack-pattern", "vulnerability", "intrusion-set"}

	coursesOfAction = []string{
		"Block the listed addresses at the perimeter firewall",
		"Sinkhole the listed domains in the government resolvers",
		"Apply the vendor security update",
		"Enforce multi-factor authentication for remote access",
		"Disable macros in documents from the internet",
		"Reset the credentials of affected accounts",
		"Isolate affected hosts and collect memory images",
		"Restrict PowerShell to constrained language mode",
		"Disable the vulnerable service until patched",
		"Hunt for the listed hashes with the EDR",
	}
	vulnProducts = []string{"VPN gateway", "mail server", "file transfer appliance", "web content management system",
		"firewall management interface", "remote desktop gateway", "collaboration suite", "hypervisor",
		"citizen portal framework", "document management system"}
	vulnFlaws = []string{"Remote code execution", "Authentication bypass", "SQL injection", "Path traversal",
		"Server-side request forgery", "Deserialisation of untrusted data", "Privilege escalation",
		"Buffer overflow"}

	// descriptions mix languages, quotes and line breaks, which every export path has to carry.
	descriptions = []string{
		"Observed in a phishing wave against ministries; the lure poses as a \"salary adjustment\" notice.",
		"Command-and-control infrastructure reported by a partner CERT.",
		"Beobachtet bei einer Phishing-Kampagne gegen Behörden; Anhang „Rechnung_2024.zip“.",
		"Serveur de commande et contrôle identifié lors d’un incident dans une collectivité.",
		"Scanning activity against VPN gateways of regional administrations.\nSource: sensor network.",
		"Delivered via malspam with password-protected archives (password: \"2024\").",
		"Infrastructure overlaps with earlier activity; confidence is moderate.",
		"Zugangsdaten wurden über gefälschte Anmeldeseiten abgegriffen — bitte sperren.",
		"Used for data exfiltration over HTTPS to a cloud storage provider.",
		"Reported under TLP by a sector CSIRT; do not share beyond the recipients' organisations.",
	}
	noteContents = []string{
		"We see the same infrastructure in our constituency since last week.",
		"Confirmed on two hosts in a municipal network; samples available on request.",
		"Wir bestätigen die Aktivität; Erstkontakt über eine „Bewerbung“ per E-Mail.",
		"Likely false positive: the address belongs to a shared hosting provider.",
		"Nous confirmons l’activité ; indicateurs ajoutés à nos listes de blocage.",
		"Attribution remains uncertain; the tooling is publicly available.",
	}
	updateNotes = []string{
		"Update: confidence revised after partner feedback.",
		"Update: infrastructure is no longer active.",
		"Aktualisierung: weitere Systeme betroffen.",
		"Update: validity shortened, address reassigned by the hosting provider.",
	}
	analysts = []string{"Duty officer", "Malware analysis team", "Incident response", "Threat intelligence desk",
		"Lagezentrum", "Équipe de veille"}

	fileNames = []string{"invoice_%d.pdf.exe", "Rechnung_%d.zip", "update_%d.exe", "svchost.exe", "Bewerbung_Lebenslauf.docm",
		"scan_%d.js", "O'Neil payroll %d.xlsm", "Übersicht Q%d.lnk", "setup.msi", "document_%d.iso",
		"payload.dll", "agent_%d.ps1", "Gehaltsabrechnung_%d.pdf.lnk", "facture_%d.hta"}
	phishSubjects = []string{"Rechnung %d", "Salary adjustment %d", "Urgent: account verification", "Your parcel %d",
		"Einladung zur Besprechung", "Facture impayée n°%d", "Re: \"Budget 2025\" draft"}

	domainWords = []string{"secure", "login", "update", "cdn", "mail", "portal", "verify", "account", "cloud",
		"service", "office", "support", "docs", "auth", "gov", "citizen", "tax", "post", "billing", "sync"}
	domainParents = []string{"example", "test", "example.com", "example.net", "example.org"}
	urlPaths      = []string{"/wp-content/plugins/%w/%t.php", "/invoice/%t", "/gate.php?id=%t", "/download/%t.zip",
		"/owa/auth/%t.aspx", "/api/v1/beacon/%t", "/static/js/%w-%t.js", "/login?session=%t&lang=de", "/"}
	mailLocals = []string{"rechnung", "support", "it-helpdesk", "noreply", "hr.department", "buchhaltung",
		"service", "facturation", "security-team", "postmaster"}

	customFeeds = []string{"sensor-network", "partner-exchange", "sandbox", "honeypot", "incident-response", "osint"}
)

// technique is an ATT&CK technique with its tactic.
type technique struct{ id, name, tactic string }

var techniques = []technique{
	{"T1566", "Phishing", "initial-access"},
	{"T1566.001", "Spearphishing Attachment", "initial-access"},
	{"T1566.002", "Spearphishing Link", "initial-access"},
	{"T1190", "Exploit Public-Facing Application", "initial-access"},
	{"T1133", "External Remote Services", "initial-access"},
	{"T1078", "Valid Accounts", "defense-evasion"},
	{"T1059.001", "PowerShell", "execution"},
	{"T1059.003", "Windows Command Shell", "execution"},
	{"T1204.002", "Malicious File", "execution"},
	{"T1053.005", "Scheduled Task", "persistence"},
	{"T1547.001", "Registry Run Keys / Startup Folder", "persistence"},
	{"T1505.003", "Web Shell", "persistence"},
	{"T1055", "Process Injection", "privilege-escalation"},
	{"T1068", "Exploitation for Privilege Escalation", "privilege-escalation"},
	{"T1027", "Obfuscated Files or Information", "defense-evasion"},
	{"T1070.004", "File Deletion", "defense-evasion"},
	{"T1562.001", "Disable or Modify Tools", "defense-evasion"},
	{"T1003.001", "LSASS Memory", "credential-access"},
	{"T1110.003", "Password Spraying", "credential-access"},
	{"T1555", "Credentials from Password Stores", "credential-access"},
	{"T1082", "System Information Discovery", "discovery"},
	{"T1018", "Remote System Discovery", "discovery"},
	{"T1021.001", "Remote Desktop Protocol", "lateral-movement"},
	{"T1570", "Lateral Tool Transfer", "lateral-movement"},
	{"T1560.001", "Archive via Utility", "collection"},
	{"T1114", "Email Collection", "collection"},
	{"T1071.001", "Web Protocols", "command-and-control"},
	{"T1572", "Protocol Tunneling", "command-and-control"},
	{"T1105", "Ingress Tool Transfer", "command-and-control"},
	{"T1041", "Exfiltration Over C2 Channel", "exfiltration"},
	{"T1567.002", "Exfiltration to Cloud Storage", "exfiltration"},
	{"T1486", "Data Encrypted for Impact", "impact"},
	{"T1490", "Inhibit System Recovery", "impact"},
	{"T1498", "Network Denial of Service", "impact"},
	{"T1595.002", "Vulnerability Scanning", "reconnaissance"},
	{"T1583.001", "Domains", "resource-development"},
}

// relationTemplates are the relationships of the corpus: source kind, type, target kind (STIX
// 2.1 section 4, "Relationships" of each SDO), and how often each occurs.
var relationTemplates = []struct {
	src    kind
	typ    string
	dst    kind
	weight int
}{
	{kIndicator, "indicates", kMalware, 20},
	{kIndicator, "indicates", kThreatActor, 6},
	{kIndicator, "indicates", kIntrusionSet, 6},
	{kIndicator, "indicates", kCampaign, 6},
	{kIndicator, "indicates", kAttackPattern, 4},
	{kIndicator, "based-on", kObserved, 2},
	{kMalware, "uses", kAttackPattern, 6},
	{kMalware, "exploits", kVulnerability, 3},
	{kMalware, "variant-of", kMalware, 1},
	{kThreatActor, "uses", kMalware, 4},
	{kThreatActor, "uses", kAttackPattern, 4},
	{kThreatActor, "targets", kIdentity, 2},
	{kThreatActor, "targets", kVulnerability, 2},
	{kIntrusionSet, "uses", kMalware, 4},
	{kIntrusionSet, "uses", kAttackPattern, 4},
	{kIntrusionSet, "targets", kVulnerability, 2},
	{kIntrusionSet, "attributed-to", kThreatActor, 4},
	{kCampaign, "uses", kMalware, 3},
	{kCampaign, "uses", kAttackPattern, 3},
	{kCampaign, "targets", kIdentity, 2},
	{kCampaign, "attributed-to", kIntrusionSet, 3},
	{kCampaign, "attributed-to", kThreatActor, 2},
	{kCourseOfAction, "mitigates", kAttackPattern, 4},
	{kCourseOfAction, "mitigates", kVulnerability, 3},
	{kCourseOfAction, "mitigates", kMalware, 2},
	{kIndicator, "related-to", kIndicator, 1},
}

var relationWeightSum = func() (n int) {
	for _, t := range relationTemplates {
		n += t.weight
	}
	return n
}()
