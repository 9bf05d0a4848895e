// CycloneDX 1.6 JSON SBOM of an audited image, built with the CycloneDX library so the
// output follows the spec's normalisation; tests validate it against the bundled schema.
import * as CDX from '@cyclonedx/cyclonedx-library';
import type { AuditReport } from './types.js';

export const SBOM_SPEC = CDX.Spec.Spec1dot6;

export function buildSbom(report: AuditReport): string {
  const bom = new CDX.Models.Bom();
  const name = report.image.split('/').filter(Boolean).pop() ?? report.image;
  bom.metadata.component = new CDX.Models.Component(CDX.Enums.ComponentType.Firmware, name, { bomRef: 'image' });
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'wardwatch', { version: '0.1.0' }),
  );
  for (const c of report.components) {
    const type =
      c.name === 'linux'
        ? CDX.Enums.ComponentType.OperatingSystem
        : /libc|ssl|zlib/.test(c.name)
          ? CDX.Enums.ComponentType.Library
          : CDX.Enums.ComponentType.Application;
    const comp = new CDX.Models.Component(type, c.name, {
      bomRef: `${c.name}@${c.version}`,
      ...(c.version !== 'unknown' ? { version: c.version } : {}),
      ...(c.purl ? { purl: c.purl } : {}),
    });
    comp.properties.add(new CDX.Models.Property('wardwatch:file', c.file));
    bom.components.add(comp);
    for (const v of c.vulnerabilities ?? []) {
      const vuln = new CDX.Models.Vulnerability.Vulnerability({
        bomRef: `${v.id}/${c.name}@${c.version}`,
        id: v.id,
        ...(v.summary ? { description: v.summary } : {}),
      });
      vuln.affects.add(new CDX.Models.Vulnerability.Affect(comp.bomRef));
      bom.vulnerabilities.add(vuln);
    }
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(SBOM_SPEC));
  return serializer.serialize(bom, { sortLists: true, space: 2 });
}
