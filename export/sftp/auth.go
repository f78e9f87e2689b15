package sftp

import (
	"crypto/dsa" //nolint:staticcheck // only to recognise and refuse DSA keys
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"

	"github.com/entgar/entgar/config"
)

// MinRSABits is the smallest RSA key accepted; GAR issues 2048-bit keys
// and anything shorter is breakable.
const MinRSABits = 2048

// loadSigner reads the private key of c, decrypting it with the passphrase
// from KeyPassphraseFile or KeyPassphraseEnv when it is encrypted, and
// refuses weak keys.
func loadSigner(c *Config) (ssh.Signer, error) {
	pem, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return nil, &ConfigError{"sftp.key_file", fmt.Errorf("read private key: %w", err)}
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		pass, perr := passphrase(c)
		if perr != nil {
			return nil, perr
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(pass))
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, &ConfigError{passphraseKey(c), fmt.Errorf("the passphrase does not decrypt %s", c.KeyFile)}
		}
	}
	if err != nil {
		return nil, &ConfigError{"sftp.key_file", fmt.Errorf("parse private key %s: %w", c.KeyFile, err)}
	}
	if err := checkStrength(signer.PublicKey()); err != nil {
		return nil, &ConfigError{"sftp.key_file", fmt.Errorf("%s: %w", c.KeyFile, err)}
	}
	return signer, nil
}

func passphraseKey(c *Config) string {
	if c.KeyPassphraseFile == "" && c.KeyPassphraseEnv != "" {
		return "sftp.key_passphrase_env"
	}
	return "sftp.key_passphrase_file"
}

func passphrase(c *Config) (string, error) {
	switch {
	case c.KeyPassphraseFile != "":
		p, err := config.ReadSecret(c.KeyPassphraseFile)
		if err != nil {
			return "", &ConfigError{"sftp.key_passphrase_file", err}
		}
		return p, nil
	case c.KeyPassphraseEnv != "":
		p, ok := os.LookupEnv(c.KeyPassphraseEnv)
		if !ok {
			return "", &ConfigError{"sftp.key_passphrase_env", fmt.Errorf("the key %s is encrypted and the environment variable %s is not set", c.KeyFile, c.KeyPassphraseEnv)}
		}
		return p, nil
	}
	return "", &ConfigError{"sftp.key_passphrase_file", fmt.Errorf("the key %s is encrypted: set sftp.key_passphrase_file or sftp.key_passphrase_env", c.KeyFile)}
}

// checkStrength refuses RSA keys shorter than MinRSABits and DSA keys.
func checkStrength(pub ssh.PublicKey) error {
	ck, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		return nil
	}
	switch k := ck.CryptoPublicKey().(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < MinRSABits {
			return fmt.Errorf("RSA key of %d bits is too weak: at least %d bits are required (ed25519 is preferred)", bits, MinRSABits)
		}
	case *dsa.PublicKey:
		return errors.New("DSA keys are refused: use ed25519 or RSA of at least 2048 bits")
	}
	return nil
}
