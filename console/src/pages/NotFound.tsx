import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import { RouterLink } from '../components/links';

export default function NotFound() {
  return (
    <Box padding="l">
      <Header variant="h1">Page not found</Header>
      <p>
        There is nothing here, or you may not see it. <RouterLink href="/">Go home</RouterLink>
      </p>
    </Box>
  );
}
