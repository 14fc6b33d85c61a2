import { generate } from 'selfsigned';

export interface SelfSignedPair {
  key: string;
  cert: string;
}

/**
 * A self-signed certificate for 127.0.0.1/localhost, like the one wazuh_apid generates on first start, so TLS
 * verification can be tested against a server whose certificate no public CA signed.
 */
export async function selfSignedCertificate(): Promise<SelfSignedPair> {
  const pems = await generate([{ name: 'commonName', value: 'wazuh-fake' }], {
    keyType: 'ec',
    curve: 'P-256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
