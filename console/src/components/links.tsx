import Link, { type LinkProps } from '@cloudscape-design/components/link';
import { useNavigate } from 'react-router-dom';

/** A Cloudscape link that navigates inside the app (no page load), and works as a normal link too. */
export function RouterLink(props: LinkProps & { href: string }) {
  const navigate = useNavigate();
  return (
    <Link
      {...props}
      onFollow={(e) => {
        if (e.detail.external) return;
        e.preventDefault();
        navigate(props.href);
      }}
    />
  );
}

/** Handler for Cloudscape components that raise `onFollow` with an href (navigation, breadcrumbs). */
export function useFollow() {
  const navigate = useNavigate();
  return (e: CustomEvent<{ href?: string; external?: boolean }>) => {
    if (e.detail.external || !e.detail.href) return;
    e.preventDefault();
    navigate(e.detail.href);
  };
}
