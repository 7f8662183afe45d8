package stix

import (
	"net/netip"
	"strings"
)

var scoTypes = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true, "ipv6-addr": true,
	"mac-addr": true, "mutex": true, "network-traffic": true, "process": true, "software": true,
	"url": true, "user-account": true, "windows-registry-key": true, "x509-certificate": true,
}

func isSCO(t string) bool { return scoTypes[t] }

var (
	ipRef      = refTo("ipv4-addr", "ipv6-addr")
	addrRef    = refTo("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name")
	port       = integer(0, 65535)
	artifactID = refTo("artifact")
)

// addSCORules adds the cyber-observable objects of STIX 2.1 section 6 to typeRules.
func addSCORules() {
	r := map[string]*rules{
		"artifact": {
			props: map[string]check{
				"mime_type": isString, "payload_bin": binary, "url": nonEmpty, "hashes": hashes,
				"encryption_algorithm": enum("AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"),
				"decryption_key":       isString,
			},
			extra: artifactRules,
		},
		"autonomous-system": {
			props:    map[string]check{"number": nonNegative, "name": isString, "rir": isString},
			required: []string{"number"},
		},
		"directory": {
			props: map[string]check{
				"path": nonEmpty, "path_enc": charset, "ctime": isTimestamp, "mtime": isTimestamp,
				"atime": isTimestamp, "contains_refs": refList(refTo("file", "directory")),
			},
			required: []string{"path"},
		},
		"domain-name": {
			props: map[string]check{
				"value":            nonEmpty,
				"resolves_to_refs": refList(refTo("ipv4-addr", "ipv6-addr", "domain-name")),
			},
			required: []string{"value"},
		},
		"email-addr": {
			props: map[string]check{
				"value": emailAddress, "display_name": isString,
				"belongs_to_ref": ref(refTo("user-account")),
			},
			required: []string{"value"},
		},
		"email-message": {
			props: map[string]check{
				"is_multipart": isBool, "date": isTimestamp, "content_type": isString,
				"from_ref": ref(refTo("email-addr")), "sender_ref": ref(refTo("email-addr")),
				"to_refs": refList(refTo("email-addr")), "cc_refs": refList(refTo("email-addr")),
				"bcc_refs": refList(refTo("email-addr")), "message_id": isString, "subject": isString,
				"received_lines": stringList, "additional_header_fields": dictionary,
				"body": isString, "body_multipart": listOf(mimePart),
				"raw_email_ref": ref(artifactID),
			},
			required: []string{"is_multipart"},
			extra:    emailMessageRules,
		},
		"file": {
			props: map[string]check{
				"hashes": hashes, "size": nonNegative, "name": isString, "name_enc": charset,
				"magic_number_hex": hexString, "mime_type": isString,
				"ctime": isTimestamp, "mtime": isTimestamp, "atime": isTimestamp,
				"parent_directory_ref": ref(refTo("directory")), "contains_refs": refList(scoRef),
				"content_ref": ref(artifactID),
			},
			extra: oneOfPresent("hashes", "name"),
			extensions: map[string]check{
				"ntfs-ext": nonEmptyObject(map[string]check{
					"sid": isString,
					"alternate_data_streams": listOf(object(map[string]check{
						"name": nonEmpty, "hashes": hashes, "size": nonNegative,
					}, "name")),
				}),
				"raster-image-ext": nonEmptyObject(map[string]check{
					"image_height": nonNegative, "image_width": nonNegative,
					"bits_per_pixel": nonNegative, "exif_tags": dictionary,
				}),
				"pdf-ext": nonEmptyObject(map[string]check{
					"version": isString, "is_optimized": isBool, "document_info_dict": dictionary,
					"pdfid0": isString, "pdfid1": isString,
				}),
				"archive-ext": object(map[string]check{
					"contains_refs": refList(refTo("file", "directory")), "comment": isString,
				}, "contains_refs"),
				"windows-pebinary-ext": object(map[string]check{
					"pe_type": nonEmpty, "imphash": isString, "machine_hex": hexString,
					"number_of_sections": nonNegative, "time_date_stamp": isTimestamp,
					"pointer_to_symbol_table_hex": hexString, "number_of_symbols": nonNegative,
					"size_of_optional_header": nonNegative, "characteristics_hex": hexString,
					"file_header_hashes": hashes, "optional_header": nonEmptyObject(peOptionalHeader),
					"sections": listOf(object(map[string]check{
						"name": nonEmpty, "size": nonNegative, "entropy": number(0, 8), "hashes": hashes,
					}, "name")),
				}, "pe_type"),
			},
		},
		"ipv4-addr": {
			props: map[string]check{
				"value":            ipValue(true),
				"resolves_to_refs": refList(refTo("mac-addr")),
				"belongs_to_refs":  refList(refTo("autonomous-system")),
			},
			required: []string{"value"},
		},
		"ipv6-addr": {
			props: map[string]check{
				"value":            ipValue(false),
				"resolves_to_refs": refList(refTo("mac-addr")),
				"belongs_to_refs":  refList(refTo("autonomous-system")),
			},
			required: []string{"value"},
		},
		"mac-addr": {
			props:    map[string]check{"value": macAddress},
			required: []string{"value"},
		},
		"mutex": {
			props:    map[string]check{"name": nonEmpty},
			required: []string{"name"},
		},
		"network-traffic": {
			props: map[string]check{
				"start": isTimestamp, "end": isTimestamp, "is_active": isBool,
				"src_ref": ref(addrRef), "dst_ref": ref(addrRef),
				"src_port": port, "dst_port": port, "protocols": stringList,
				"src_byte_count": nonNegative, "dst_byte_count": nonNegative,
				"src_packets": nonNegative, "dst_packets": nonNegative, "ipfix": dictionary,
				"src_payload_ref": ref(artifactID), "dst_payload_ref": ref(artifactID),
				"encapsulates_refs":   refList(refTo("network-traffic")),
				"encapsulated_by_ref": ref(refTo("network-traffic")),
			},
			required: []string{"protocols"},
			extra:    all(order("start", "end", false), networkTrafficRules, oneOfPresent("src_ref", "dst_ref")),
			extensions: map[string]check{
				"http-request-ext": object(map[string]check{
					"request_method": nonEmpty, "request_value": nonEmpty, "request_version": isString,
					"request_header": dictionary, "message_body_length": nonNegative,
					"message_body_data_ref": ref(artifactID),
				}, "request_method", "request_value"),
				"icmp-ext": object(map[string]check{
					"icmp_type_hex": hexString, "icmp_code_hex": hexString,
				}, "icmp_type_hex", "icmp_code_hex"),
				"socket-ext": object(map[string]check{
					"address_family": enum("AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH"),
					"is_blocking":    isBool, "is_listening": isBool, "options": socketOptions,
					"socket_type":       enum("SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET"),
					"socket_descriptor": nonNegative, "socket_handle": integer(-1<<63, 1<<63-1),
				}, "address_family"),
				"tcp-ext": nonEmptyObject(map[string]check{
					"src_flags_hex": hexString, "dst_flags_hex": hexString,
				}),
			},
		},
		"process": {
			props: map[string]check{
				"is_hidden": isBool, "pid": integer(-1<<63, 1<<63-1), "created_time": isTimestamp,
				"cwd": isString, "command_line": isString, "environment_variables": dictionary,
				"opened_connection_refs": refList(refTo("network-traffic")),
				"creator_user_ref":       ref(refTo("user-account")), "image_ref": ref(refTo("file")),
				"parent_ref": ref(refTo("process")), "child_refs": refList(refTo("process")),
			},
			extra: atLeastOneSpecific,
			extensions: map[string]check{
				"windows-process-ext": nonEmptyObject(map[string]check{
					"aslr_enabled": isBool, "dep_enabled": isBool, "priority": isString,
					"owner_sid": isString, "window_title": isString, "startup_info": dictionary,
					"integrity_level": enum("low", "medium", "high", "system"),
				}),
				"windows-service-ext": nonEmptyObject(map[string]check{
					"service_name": isString, "descriptions": stringList, "display_name": isString,
					"group_name":       isString,
					"start_type":       enum("SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT"),
					"service_dll_refs": refList(refTo("file")),
					"service_type":     enum("SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS"),
					"service_status":   enum("SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING", "SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED"),
				}),
			},
		},
		"software": {
			props: map[string]check{
				"name": nonEmpty, "cpe": cpe23, "swid": isString, "languages": stringList,
				"vendor": isString, "version": isString,
			},
			required: []string{"name"},
		},
		"url": {
			props:    map[string]check{"value": nonEmpty},
			required: []string{"value"},
		},
		"user-account": {
			props: map[string]check{
				"user_id": isString, "credential": isString, "account_login": isString,
				"account_type": isString, "display_name": isString,
				"is_service_account": isBool, "is_privileged": isBool,
				"can_escalate_privs": isBool, "is_disabled": isBool,
				"account_created": isTimestamp, "account_expires": isTimestamp,
				"credential_last_changed": isTimestamp, "account_first_login": isTimestamp,
				"account_last_login": isTimestamp,
			},
			extra: atLeastOneSpecific,
			extensions: map[string]check{
				"unix-account-ext": nonEmptyObject(map[string]check{
					"gid": integer(-1<<63, 1<<63-1), "groups": stringList, "home_dir": isString, "shell": isString,
				}),
			},
		},
		"windows-registry-key": {
			props: map[string]check{
				"key": registryKey,
				"values": listOf(nonEmptyObject(map[string]check{
					"name": isString, "data": isString,
					"data_type": enum("REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
						"REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ",
						"REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION",
						"REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE"),
				})),
				"modified_time": isTimestamp, "creator_user_ref": ref(refTo("user-account")),
				"number_of_subkeys": nonNegative,
			},
			extra: atLeastOneSpecific,
		},
		"x509-certificate": {
			props: map[string]check{
				"is_self_signed": isBool, "hashes": hashes, "version": isString,
				"serial_number": isString, "signature_algorithm": isString, "issuer": isString,
				"validity_not_before": isTimestamp, "validity_not_after": isTimestamp,
				"subject": isString, "subject_public_key_algorithm": isString,
				"subject_public_key_modulus": isString, "subject_public_key_exponent": nonNegative,
				"x509_v3_extensions": nonEmptyObject(x509V3Extensions),
			},
			extra: all(atLeastOneSpecific, order("validity_not_before", "validity_not_after", false)),
		},
	}
	for k, v := range r {
		typeRules[k] = v
	}
}

var peOptionalHeader = map[string]check{
	"magic_hex": hexString, "major_linker_version": nonNegative, "minor_linker_version": nonNegative,
	"size_of_code": nonNegative, "size_of_initialized_data": nonNegative,
	"size_of_uninitialized_data": nonNegative, "address_of_entry_point": nonNegative,
	"base_of_code": nonNegative, "base_of_data": nonNegative, "image_base": nonNegative,
	"section_alignment": nonNegative, "file_alignment": nonNegative,
	"major_os_version": nonNegative, "minor_os_version": nonNegative,
	"major_image_version": nonNegative, "minor_image_version": nonNegative,
	"major_subsystem_version": nonNegative, "minor_subsystem_version": nonNegative,
	"win32_version_value_hex": hexString, "size_of_image": nonNegative,
	"size_of_headers": nonNegative, "checksum_hex": hexString, "subsystem_hex": hexString,
	"dll_characteristics_hex": hexString, "size_of_stack_reserve": nonNegative,
	"size_of_stack_commit": nonNegative, "size_of_heap_reserve": nonNegative,
	"size_of_heap_commit": nonNegative, "loader_flags_hex": hexString,
	"number_of_rva_and_sizes": nonNegative, "hashes": hashes,
}

var x509V3Extensions = map[string]check{
	"basic_constraints": isString, "name_constraints": isString, "policy_constraints": isString,
	"key_usage": isString, "extended_key_usage": isString, "subject_key_identifier": isString,
	"authority_key_identifier": isString, "subject_alternative_name": isString,
	"issuer_alternative_name": isString, "subject_directory_attributes": isString,
	"crl_distribution_points": isString, "inhibit_any_policy": isString,
	"private_key_usage_period_not_before": isTimestamp,
	"private_key_usage_period_not_after":  isTimestamp,
	"certificate_policies":                isString, "policy_mappings": isString,
}

// mimePart is mime-part-type (section 6.6.2).
func mimePart(c *checker, at loc, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(at, "must be an object, not %s", jsonKind(v))
		return
	}
	checkProps(c, at, m, mimePartProps, nil)
	_, body := m["body"]
	_, raw := m["body_raw_ref"]
	if body == raw {
		c.fail(at, "a MIME part needs exactly one of body and body_raw_ref")
	}
}

var mimePartProps = map[string]check{
	"body": isString, "body_raw_ref": ref(refTo("artifact", "file")),
	"content_type": isString, "content_disposition": isString,
}

// nonEmptyObject is object with the added rule that at least one property is present.
func nonEmptyObject(props map[string]check, required ...string) check {
	inner := object(props, required...)
	return func(c *checker, at loc, v any) {
		if m, ok := v.(map[string]any); ok && len(m) == 0 {
			c.fail(at, "must have at least one property")
			return
		}
		inner(c, at, v)
	}
}

// socketOptions: keys are SO_* option names, values integers (section 6.12.4).
func socketOptions(c *checker, at loc, v any) {
	m, ok := nonEmptyMap(c, at, v, "a dictionary of socket options")
	if !ok {
		return
	}
	for k, e := range m {
		if !strings.HasPrefix(strings.ToUpper(k), "SO_") {
			c.fail(at.field(k), "socket option names must start with SO_")
			continue
		}
		integer(-1<<63, 1<<63-1)(c, at.field(k), e)
	}
}

func artifactRules(c *checker, m map[string]any) {
	_, payload := m["payload_bin"]
	_, url := m["url"]
	_, hashed := m["hashes"]
	_, alg := m["encryption_algorithm"]
	_, key := m["decryption_key"]
	switch {
	case payload && url:
		c.fail(at("url"), "must not be present together with payload_bin")
	case !payload && !url:
		c.fail(loc{idx: -1}, "an artifact needs one of payload_bin or url")
	case url && !hashed:
		c.fail(at("hashes"), "is required when url is present")
	}
	if key && !alg {
		c.fail(at("decryption_key"), "must not be present without encryption_algorithm")
	}
}

func emailMessageRules(c *checker, m map[string]any) {
	multi, ok := m["is_multipart"].(bool)
	if !ok {
		return
	}
	_, body := m["body"]
	_, parts := m["body_multipart"]
	if multi && body {
		c.fail(at("body"), "must not be present when is_multipart is true")
	}
	if !multi && parts {
		c.fail(at("body_multipart"), "must not be present when is_multipart is false")
	}
}

func networkTrafficRules(c *checker, m map[string]any) {
	if active, _ := m["is_active"].(bool); active {
		if _, ok := m["end"]; ok {
			c.fail(at("end"), "must not be present when is_active is true")
		}
	}
}

// scoCommon are the properties every SCO may have besides its own.
var scoCommon = map[string]bool{
	"type": true, "id": true, "spec_version": true, "object_marking_refs": true,
	"granular_markings": true, "defanged": true, "extensions": true,
}

// atLeastOneSpecific requires a property besides the common ones (sections 6.11, 6.16, 6.17,
// 6.18: the object "MUST contain at least one property ... from this object (or one of its
// extensions)").
func atLeastOneSpecific(c *checker, m map[string]any) {
	for k := range m {
		if !scoCommon[k] {
			return
		}
	}
	if _, ok := m["extensions"]; ok {
		return
	}
	c.fail(loc{idx: -1}, "must have at least one property besides the common ones")
}

// ipValue accepts an IPv4 (v4) or IPv6 address, optionally as a CIDR network (sections 6.8, 6.9).
func ipValue(v4 bool) check {
	fam, bits := "IPv6", 128
	if v4 {
		fam, bits = "IPv4", 32
	}
	return func(c *checker, at loc, v any) {
		s, ok := v.(string)
		if !ok {
			c.fail(at, "must be a string, not %s", jsonKind(v))
			return
		}
		addr, prefix, hasPrefix := strings.Cut(s, "/")
		a, err := netip.ParseAddr(addr)
		if err != nil || a.Zone() != "" || a.Is4() != v4 {
			c.fail(at, "%q is not an %s address", clip(s), fam)
			return
		}
		if !hasPrefix {
			return
		}
		n, ok := smallUint(prefix)
		if !ok || n > bits {
			c.fail(at, "%q has an invalid CIDR prefix length (0 to %d)", clip(s), bits)
		}
	}
}

func smallUint(s string) (int, bool) {
	if s == "" || len(s) > 3 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// macAddress is a lowercase, colon-delimited MAC-48 address with leading zeros (section 6.10).
func macAddress(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a string, not %s", jsonKind(v))
		return
	}
	if len(s) != 17 {
		c.fail(at, "%q is not a colon-delimited lowercase MAC-48 address", clip(s))
		return
	}
	for i := 0; i < 17; i++ {
		b := s[i]
		if i%3 == 2 {
			if b != ':' {
				c.fail(at, "%q is not a colon-delimited lowercase MAC-48 address", s)
				return
			}
		} else if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f') {
			c.fail(at, "%q is not a colon-delimited lowercase MAC-48 address", s)
			return
		}
	}
}

// emailAddress is an RFC 5322 addr-spec without display name (section 6.5.1).
func emailAddress(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a string, not %s", jsonKind(v))
		return
	}
	i := strings.LastIndexByte(s, '@')
	if i <= 0 || i == len(s)-1 || strings.ContainsAny(s, "<> \t\r\n") {
		c.fail(at, "%q is not a bare e-mail address (addr-spec, without display name)", clip(s))
	}
}

// registryHiveAbbrevs are the truncated hive names section 6.17.1 forbids.
var registryHiveAbbrevs = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
	"HKCC": "HKEY_CURRENT_CONFIG", "HKU": "HKEY_USERS", "HKPD": "HKEY_PERFORMANCE_DATA",
	"HKDD": "HKEY_DYN_DATA",
}

func registryKey(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a string, not %s", jsonKind(v))
		return
	}
	hive, _, _ := strings.Cut(s, `\`)
	if full, bad := registryHiveAbbrevs[strings.ToUpper(hive)]; bad {
		c.fail(at, "the hive must be written out in full (%s, not %s)", full, clip(hive))
	}
}

// cpe23 checks the shape of a CPE 2.3 formatted string: "cpe:2.3:" and eleven more components
// separated by unescaped colons, the first (part) one of a, h, o, * or -.
func cpe23(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a string, not %s", jsonKind(v))
		return
	}
	if !strings.HasPrefix(s, "cpe:2.3:") {
		c.fail(at, "%q is not a CPE 2.3 name (cpe:2.3:part:vendor:product:...)", clip(s))
		return
	}
	n, compLen := 1, 0
	rest := s[len("cpe:2.3:"):]
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '\\':
			i++
			compLen++
		case ':':
			if compLen == 0 {
				n = -100
			}
			n++
			compLen = 0
		default:
			compLen++
		}
	}
	part := rest[:min(1, len(rest))]
	if n != 11 || compLen == 0 || !strings.Contains("aho*-", part) || len(rest) > 1 && rest[1] != ':' {
		c.fail(at, "%q is not a CPE 2.3 name (cpe:2.3: followed by 11 colon-separated components)", clip(s))
	}
}

// charset accepts a name from the IANA character set registry. The registry is long; this list
// holds the preferred MIME names and the alias families in common use, case-insensitively.
func charset(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a string, not %s", jsonKind(v))
		return
	}
	if !isCharset(s) {
		c.fail(at, "%q is not a character set name from the IANA registry", clip(s))
	}
}

var charsets = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`US-ASCII ASCII ANSI_X3.4-1968 ISO646-US UTF-8 UTF-16 UTF-16BE
		UTF-16LE UTF-32 UTF-32BE UTF-32LE UTF-7 CESU-8 SCSU BOCU-1 Shift_JIS MS_Kanji Windows-31J
		EUC-JP Extended_UNIX_Code_Packed_Format_for_Japanese ISO-2022-JP ISO-2022-JP-2 ISO-2022-KR
		EUC-KR KS_C_5601-1987 ISO-2022-CN ISO-2022-CN-EXT GB2312 GBK GB18030 CP936 MS936 Big5
		Big5-HKSCS HZ-GB-2312 KOI8-R KOI8-U TIS-620 VISCII macintosh mac latin1 latin2 latin3
		latin4 latin5 latin6 latin-9 l1 l2 l3 l4 l5 l6 cyrillic arabic greek hebrew greek8
		ECMA-118 ELOT_928 ASMO-708 ECMA-114 PTCP154 IBM037 IBM273 IBM277 IBM278 IBM280 IBM284
		IBM285 IBM290 IBM297 IBM420 IBM423 IBM424 IBM437 IBM500 IBM775 IBM850 IBM851 IBM852
		IBM855 IBM857 IBM860 IBM861 IBM862 IBM863 IBM864 IBM865 IBM866 IBM868 IBM869 IBM870
		IBM871 IBM880 IBM891 IBM903 IBM904 IBM905 IBM918 IBM1026 IBM1047 JIS_X0201 JIS_Encoding
		ISO-10646-UCS-2 ISO-10646-UCS-4 UNICODE-1-1 UNICODE-1-1-UTF-7 TSCII KZ-1048 CP51932
		EUC-TW IBM-Thai ISO-8859-1-Windows-3.0-Latin-1 Adobe-Standard-Encoding Adobe-Symbol-Encoding`) {
		m[strings.ToLower(n)] = true
	}
	return m
}()

func isCharset(s string) bool {
	l := strings.ToLower(s)
	if charsets[l] {
		return true
	}
	for _, p := range []string{"iso-8859-", "iso_8859-", "iso8859-", "windows-", "cp", "ibm", "ibm-"} {
		if rest, ok := strings.CutPrefix(l, p); ok && rest != "" && allDigits(strings.Split(strings.Split(rest, ":")[0], "-")[0]) {
			return true
		}
	}
	// IANA aliases of the "cs" family (csISOLatin1, csUTF8, ...).
	return strings.HasPrefix(l, "cs") && len(l) > 3 && isAlnum(s[2:])
}
