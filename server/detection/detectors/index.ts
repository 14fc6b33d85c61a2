import type { DetectionConfig } from '../config';
import { BeaconingDetector } from './beaconing';
import { BruteForceDetector } from './brute_force';
import { DnsTunnelDetector } from './dns_tunnel';
import { ExfiltrationDetector } from './exfiltration';
import { ForcedAuthenticationDetector } from './forced_authentication';
import { KerberoastingDetector } from './kerberoasting';
import { LateralMovementDetector } from './lateral_movement';
import type { Detector } from './types';

export type { Detector } from './types';

/** The stateful behaviour detectors enabled in `config`, in a fixed order (findings come out deterministically). */
export function createDetectors(config: DetectionConfig): Detector[] {
  const max = config.maxEvidencePerFinding;
  const detectors: Detector[] = [];
  if (config.dnsTunnel.enabled) detectors.push(new DnsTunnelDetector(config.dnsTunnel, max));
  if (config.exfiltration.enabled) detectors.push(new ExfiltrationDetector(config.exfiltration, max));
  if (config.lateralMovement.enabled)
    detectors.push(new LateralMovementDetector(config.lateralMovement, max));
  if (config.bruteForce.enabled) detectors.push(new BruteForceDetector(config.bruteForce, max));
  if (config.kerberoasting.enabled) detectors.push(new KerberoastingDetector(config.kerberoasting, max));
  if (config.beaconing.enabled) detectors.push(new BeaconingDetector(config.beaconing, max));
  if (config.forcedAuthentication.enabled)
    detectors.push(new ForcedAuthenticationDetector(config.forcedAuthentication, max));
  return detectors;
}
