package garsim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// CA is the simulator's test certificate authority: it stands for both the
// authority of GAR's server certificate and the ministry's authority that
// issues the ENTs' client certificates. Never trust it outside tests.
type CA struct {
	// Cert is the authority's self-signed certificate.
	Cert *x509.Certificate
	// Key is its private key.
	Key crypto.Signer
}

// Issued is a certificate issued by a CA, with its key.
type Issued struct {
	// Cert is the certificate.
	Cert *x509.Certificate
	// Key is its private key.
	Key crypto.Signer
	// Chain is the certificate followed by the CA's, DER-encoded.
	Chain [][]byte
}

// CertRequest describes a certificate to issue.
type CertRequest struct {
	// CommonName is the subject's CN; for a client certificate, the idENT
	// it is valid for.
	CommonName string
	// Hosts are the DNS names and IP addresses of a server certificate.
	Hosts []string
	// Client asks for a client-authentication certificate instead of a
	// server one.
	Client bool
	// NotBefore and NotAfter bound its validity; zero means from an hour
	// ago for 397 days.
	NotBefore, NotAfter time.Time
}

// NewCA creates a certificate authority with a new ECDSA P-256 key, valid
// for ten years.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"garsim (test only)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certificate serial: %w", err)
	}
	return serial, nil
}

// Issue issues a server or client certificate with a new ECDSA P-256 key.
func (ca *CA) Issue(req CertRequest) (*Issued, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certificate key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	notBefore, notAfter := req.NotBefore, req.NotAfter
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Hour)
	}
	if notAfter.IsZero() {
		notAfter = notBefore.AddDate(0, 0, 397)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: req.CommonName, Organization: []string{"garsim (test only)"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if req.Client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, h := range req.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("certificate %q: %w", req.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certificate %q: %w", req.CommonName, err)
	}
	return &Issued{Cert: cert, Key: key, Chain: [][]byte{der, ca.Cert.Raw}}, nil
}

// TLSCertificate returns the certificate for a tls.Config.
func (c *Issued) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: c.Chain, PrivateKey: c.Key, Leaf: c.Cert}
}

// CertPEM returns the certificate chain in PEM.
func (c *Issued) CertPEM() []byte {
	var out []byte
	for _, der := range c.Chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return out
}

// KeyPEM returns the private key in PKCS#8 PEM.
func (c *Issued) KeyPEM() ([]byte, error) { return keyPEM(c.Key) }

// PKCS12 returns the certificate, its key and the CA's certificate as a
// PKCS#12 file protected by password (modern encryption: AES-256 and
// PBKDF2, as current authorities deliver).
func (c *Issued) PKCS12(password string) ([]byte, error) {
	var chain []*x509.Certificate
	for _, der := range c.Chain[1:] {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		chain = append(chain, cert)
	}
	data, err := pkcs12.Modern.Encode(c.Key, c.Cert, chain, password)
	if err != nil {
		return nil, fmt.Errorf("PKCS#12 of %q: %w", c.Cert.Subject.CommonName, err)
	}
	return data, nil
}

// CertPEM returns the CA's certificate in PEM, the bundle clients trust.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Pool returns a certificate pool holding the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

func keyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// TLSFiles are the paths of the files of a TLS directory (LoadOrCreateTLSDir).
type TLSFiles struct {
	// Dir is the directory.
	Dir string
	// CA is ca.pem, the bundle to give as mediacentre.ca_file.
	CA string
	// CAKey is ca.key, the CA's private key (kept so that later runs issue
	// from the same CA).
	CAKey string
	// ServerCert and ServerKey are server.pem and server.key.
	ServerCert, ServerKey string
	// Clients maps each idENT to its client certificate files.
	Clients map[string]ClientFiles
}

// ClientFiles are the files of one idENT's client certificate.
type ClientFiles struct {
	// Cert and Key are client-<IDENT>.pem and client-<IDENT>.key, for
	// mediacentre.cert_file and mediacentre.key_file.
	Cert, Key string
	// PKCS12 is client-<IDENT>.p12 (certificate, key and CA), for
	// mediacentre.pkcs12_file; PKCS12Password is client-<IDENT>.p12.password
	// holding its password, for mediacentre.pkcs12_password_file.
	PKCS12, PKCS12Password string
}

// clientPKCS12Password protects the PKCS#12 files garsim writes; the file
// beside each holds it too. These are test credentials.
const clientPKCS12Password = "garsim"

// LoadOrCreateTLSDir makes dir hold a test PKI that operators and tests can
// point entgar at: the CA (reused when ca.pem and ca.key exist, so that a
// bundle already configured stays valid), a server certificate for hosts
// (re-issued when missing, expiring within a day, or not covering hosts),
// and for each idENT a client certificate whose CN is the idENT, as PEM and
// PKCS#12 (issued when missing). Keys are written mode 0600.
func LoadOrCreateTLSDir(dir string, hosts, idents []string) (*CA, *TLSFiles, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("TLS directory: %w", err)
	}
	f := &TLSFiles{
		Dir:        dir,
		CA:         filepath.Join(dir, "ca.pem"),
		CAKey:      filepath.Join(dir, "ca.key"),
		ServerCert: filepath.Join(dir, "server.pem"),
		ServerKey:  filepath.Join(dir, "server.key"),
		Clients:    make(map[string]ClientFiles, len(idents)),
	}
	ca, err := loadCA(f.CA, f.CAKey)
	if errors.Is(err, os.ErrNotExist) {
		if ca, err = NewCA("garsim test CA"); err == nil {
			err = writeCA(ca, f.CA, f.CAKey)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("TLS directory %s: %w", dir, err)
	}
	if !serverCertCovers(f.ServerCert, ca, hosts) {
		srv, err := ca.Issue(CertRequest{CommonName: hosts[0], Hosts: hosts})
		if err != nil {
			return nil, nil, err
		}
		if err := writeIssued(srv, f.ServerCert, f.ServerKey); err != nil {
			return nil, nil, fmt.Errorf("TLS directory %s: %w", dir, err)
		}
	}
	for _, id := range idents {
		base := filepath.Join(dir, "client-"+id)
		cf := ClientFiles{Cert: base + ".pem", Key: base + ".key", PKCS12: base + ".p12", PKCS12Password: base + ".p12.password"}
		f.Clients[id] = cf
		if _, err := tls.LoadX509KeyPair(cf.Cert, cf.Key); err == nil {
			if _, err := os.Stat(cf.PKCS12); err == nil {
				continue
			}
		}
		cl, err := ca.Issue(CertRequest{CommonName: id, Client: true})
		if err != nil {
			return nil, nil, err
		}
		if err := writeIssued(cl, cf.Cert, cf.Key); err != nil {
			return nil, nil, fmt.Errorf("TLS directory %s: %w", dir, err)
		}
		p12, err := cl.PKCS12(clientPKCS12Password)
		if err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(cf.PKCS12, p12, 0o600); err != nil {
			return nil, nil, fmt.Errorf("TLS directory %s: %w", dir, err)
		}
		if err := os.WriteFile(cf.PKCS12Password, []byte(clientPKCS12Password+"\n"), 0o600); err != nil {
			return nil, nil, fmt.Errorf("TLS directory %s: %w", dir, err)
		}
	}
	return ca, f, nil
}

func loadCA(certPath, keyPath string) (*CA, error) {
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		if _, statErr := os.Stat(certPath); errors.Is(statErr, os.ErrNotExist) {
			return nil, statErr
		}
		return nil, fmt.Errorf("load CA: %w", err)
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok || pair.Leaf == nil || !pair.Leaf.IsCA {
		return nil, fmt.Errorf("load CA: %s is not a CA certificate with a signing key", certPath)
	}
	return &CA{Cert: pair.Leaf, Key: key}, nil
}

func writeCA(ca *CA, certPath, keyPath string) error {
	k, err := keyPEM(ca.Key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, k, 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, ca.CertPEM(), 0o644)
}

func writeIssued(c *Issued, certPath, keyPath string) error {
	k, err := c.KeyPEM()
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, k, 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, c.CertPEM(), 0o644)
}

// serverCertCovers reports whether the server certificate at path was
// issued by ca, is valid for at least another day and names every host.
func serverCertCovers(path string, ca *CA, hosts []string) bool {
	pair, err := tls.LoadX509KeyPair(path, strings.TrimSuffix(path, ".pem")+".key")
	if err != nil || pair.Leaf == nil {
		return false
	}
	if pair.Leaf.CheckSignatureFrom(ca.Cert) != nil || time.Until(pair.Leaf.NotAfter) < 24*time.Hour {
		return false
	}
	for _, h := range hosts {
		if pair.Leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}
