/**
 * ECharts' SVG as the dashboard inlines it under a CSP without inline styles: its hover-only
 * `<style>` block is dropped, each `style="a:b;c:d"` becomes presentation attributes (`a="b"`),
 * and the root loses its fixed size so it scales to the page (its viewBox keeps the shape).
 */
export function inlineSafeSvg(svg: string): string {
  return svg
    .replace(/<style[^>]*>[\s\S]*?<\/style>/g, '')
    .replace(/ style="([^"]*)"/g, (_, declarations: string) =>
      declarations
        .split(';')
        .map((d) => d.split(':'))
        .filter((parts) => parts.length === 2 && /^[a-z-]+$/.test(parts[0]!.trim()))
        .map(([name, value]) => ` ${name!.trim()}="${value!.trim().replace(/"/g, '&quot;')}"`)
        .join(''),
    )
    .replace(/^<svg width="\d+" height="\d+"/, '<svg role="img"');
}
